import {
  type Clock,
  clockSchema,
  defineSyncTwin,
  parseOptions,
  StoreFullError,
  systemClock,
} from '@rampart/core';
import { z } from 'zod';
import {
  adjustState,
  evaluateCheck,
  evaluatePolicy,
  startBlock,
  stateExpiresAt,
} from '../algorithms/evaluate.js';
import {
  type CounterState,
  copyState,
  newEvaluation,
  type PolicyEvaluation,
  type PolicyOutcome,
  type WritableState,
} from '../algorithms/state.js';
import { rememberStoreRecord, type StoreRecord, storeRecordOf } from '../key-record.js';
import type { ResolvedPolicy } from '../policy.js';
import { MAX_POLICIES } from '../policy.js';
import type {
  RateLimitAdjustment,
  RateLimitCheck,
  RateLimitKey,
  RateLimitStore,
} from '../store.js';

/** Options of {@link MemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /**
   * Most clients held at once (one entry per client and route, all its policies inside). When
   * full of live counters the store refuses new clients with `StoreFullError` (503) rather than
   * forget a counter, which would hand a brute-forcer a fresh quota. Default 100 000.
   */
  maxEntries?: number;
  /** Drives expiry of the background sweep; the limiter passes its own `now` to checks. */
  clock?: Clock;
  /** How often an unref'd timer drops expired entries; `0` disables it. Default 60 000 ms. */
  sweepIntervalMs?: number;
}

const optionsSchema = z.strictObject({
  maxEntries: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(100_000),
  clock: clockSchema.default(systemClock),
  sweepIntervalMs: z.number().int().min(0).max(86_400_000).default(60_000),
});

const STORE = 'memory-rate-limit-store';
/** A full store sweeps everything at most this often, so a flood of refused clients stays O(1). */
const FULL_SWEEP_MIN_INTERVAL_MS = 250;

/** Where a slot keeps its policy's state, beside its counters. */
interface SlotInfo {
  readonly policy: string;
  /** When the state stops mattering. */
  expiresAt: number;
}

/**
 * A policy's state in an entry: the state's own fields and the slot's in one object, as wave one
 * kept them, so a check reads its counters from the slot it found, with no state object of their
 * own to follow (the store alone 1.31x wave one's time before, 1.24x after, in one A/B). A
 * check's new counters are copied into it.
 */
type Slot = WritableState & SlotInfo;

/** The `expiresAt` of an entry taken out of the store: a key remembering it looks again. */
const REMOVED = Number.NEGATIVE_INFINITY;

/** Every counter of one client on one scope. */
interface Entry extends StoreRecord {
  /** Each policy's state: a few, found by name faster in an array than in a map. */
  slots: Slot[];
  /** The latest `expiresAt` of its states: the entry may be dropped after it. */
  expiresAt: number;
}

/**
 * The default store: counters in this process, bounded, synchronous. Every policy of a route is
 * checked in one synchronous step, atomic by construction. Counters are per process: behind
 * several processes use Redis or Postgres.
 *
 * @example
 * const limiter = createRateLimiter({ store: new MemoryRateLimitStore({ maxEntries: 50_000 }), policies });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly name = STORE;
  readonly maxEntries: number;
  /** Entries by scope, then identity. */
  readonly #scopes = new Map<string, Map<string, Entry>>();
  readonly #clock: Clock;
  // Reused by every check, which then allocates only the state it stores (10-20 % of a check in
  // the bench's loop): the evaluations of 0 to 8 policies, and the states read.
  readonly #evaluations = Array.from({ length: MAX_POLICIES + 1 }, (_, count) =>
    Array.from({ length: count }, newEvaluation),
  );
  readonly #states = new Array<CounterState | undefined>(MAX_POLICIES);
  #size = 0;
  #lastFullSweepAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    const parsed = parseOptions('MemoryRateLimitStore', optionsSchema, options);
    this.maxEntries = parsed.maxEntries;
    this.#clock = parsed.clock;
    if (parsed.sweepIntervalMs > 0) {
      this.#timer = setInterval(() => this.sweep(this.#clock.now()), parsed.sweepIntervalMs);
      this.#timer.unref();
    }
  }

  /** Entries held (clients × scopes), expired ones not yet swept included. */
  get size(): number {
    return this.#size;
  }

  hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    try {
      return Promise.resolve(this.#hitNow(check).map(copyOutcome));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  static {
    // The limiter's check runs without a promise on this store (core's synchronous fast path).
    defineSyncTwin(MemoryRateLimitStore.prototype, 'hit', function hitNow(check) {
      return this.#hitNow(check);
    });
  }

  /**
   * `hit` without a promise. The outcomes it answers are the store's own, written again by the
   * next check: read them first (the limiter does; `hit` hands out copies).
   */
  #hitNow({ key, cost, now }: RateLimitCheck): readonly PolicyOutcome[] {
    const policies = key.policies;
    const entry = this.#liveEntry(key, now);
    // One policy, most routes' case: evaluateCheck's rule without its loops (a tenth of a check).
    if (policies.length === 1) return this.#hitOne(key, entry, now, cost);
    const evaluations = this.#evaluations[policies.length] as PolicyEvaluation[];
    const states = this.#liveStates(entry, key, now);
    const { admitted } = evaluateCheck(policies, states, now, cost, evaluations);
    let target = entry;
    for (let i = 0; i < policies.length; i++) {
      const evaluation = evaluations[i] as PolicyEvaluation;
      if (!admitted && !evaluation.startedBlock) continue;
      target ??= this.#insert(key, now);
      this.#keep(target, policies[i] as ResolvedPolicy, evaluation.next, evaluation.expiresAt);
    }
    return evaluations;
  }

  #hitOne(
    key: RateLimitKey,
    entry: Entry | undefined,
    now: number,
    cost: number,
  ): readonly PolicyOutcome[] {
    const policy = key.policies[0] as ResolvedPolicy;
    const evaluations = this.#evaluations[1] as [PolicyEvaluation];
    const slot = entry === undefined ? undefined : slotOf(entry, policy.name);
    const state = slot !== undefined && slot.expiresAt > now ? slot : undefined;
    const evaluation = evaluatePolicy(policy, state, now, cost, evaluations[0]);
    if (!evaluation.allowed) startBlock(policy, evaluation, now);
    if (evaluation.allowed || evaluation.startedBlock)
      this.#keep(
        entry ?? this.#insert(key, now),
        policy,
        evaluation.next,
        evaluation.expiresAt,
        slot,
      );
    return evaluations;
  }

  async peek({ key, cost, now }: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    const states = this.#liveStates(this.#liveEntry(key, now), key, now);
    return key.policies.map((policy, i) => evaluatePolicy(policy, states[i], now, cost));
  }

  async adjust({ key, now, delta, blockUntil }: RateLimitAdjustment): Promise<void> {
    const entry = this.#liveEntry(key, now);
    const states = this.#liveStates(entry, key, now);
    const target = entry ?? this.#insert(key, now);
    key.policies.forEach((policy, i) => {
      // A new state, which no evaluation holds: the slot may keep it.
      const state = adjustState(policy, states[i], now, delta, blockUntil);
      this.#keep(target, policy, state, stateExpiresAt(policy, state, now));
    });
  }

  async reset(key: RateLimitKey): Promise<void> {
    const identities = this.#scopes.get(key.scope);
    const entry = identities?.get(key.identity);
    if (identities === undefined || entry === undefined) return;
    const forgotten = new Set(key.policies.map((policy) => policy.name));
    entry.slots = entry.slots.filter((slot) => !forgotten.has(slot.policy));
    if (entry.slots.length === 0) this.#remove(identities, key.identity);
  }

  /** Drops every expired entry now; returns how many. O(n): for timers and tests. */
  sweep(now: number): number {
    let removed = 0;
    for (const identities of this.#scopes.values()) {
      for (const [identity, entry] of identities) {
        if (entry.expiresAt <= now) {
          this.#remove(identities, identity);
          removed++;
        }
      }
    }
    this.#lastFullSweepAt = now;
    return removed;
  }

  /** Stops the background sweep timer (it never holds the process open anyway). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #liveEntry(key: RateLimitKey, now: number): Entry | undefined {
    // The entry a limiter's key remembers (see `key-record.ts`) is the one in the map until removed.
    let entry = storeRecordOf<Entry>(key, this);
    if (entry === undefined || entry.expiresAt === REMOVED) {
      entry = this.#scopes.get(key.scope)?.get(key.identity);
      if (entry !== undefined) rememberStoreRecord(key, entry);
    }
    return entry !== undefined && entry.expiresAt > now ? entry : undefined;
  }

  /** Each policy's live state in `entry`, in the key's policy order (in the reused array). */
  #liveStates(
    entry: Entry | undefined,
    key: RateLimitKey,
    now: number,
  ): Array<CounterState | undefined> {
    const states = this.#states;
    const policies = key.policies;
    for (let i = 0; i < policies.length; i++) {
      const slot =
        entry === undefined ? undefined : slotOf(entry, (policies[i] as ResolvedPolicy).name);
      states[i] = slot !== undefined && slot.expiresAt > now ? slot : undefined;
    }
    return states;
  }

  /**
   * Stores `state`, which stops mattering after `expiresAt`, as the policy's state in the
   * client's entry: its numbers copied into the policy's slot when that holds a state of the same
   * algorithm, else into a new slot. `slot` is the policy's slot in `entry` when the caller found
   * it, else it is looked up.
   */
  #keep(
    entry: Entry,
    policy: ResolvedPolicy,
    state: CounterState,
    expiresAt: number,
    slot = slotOf(entry, policy.name),
  ): void {
    if (expiresAt > entry.expiresAt) entry.expiresAt = expiresAt;
    if (slot !== undefined && slot.algorithm === state.algorithm) {
      copyState(state, slot);
      slot.expiresAt = expiresAt;
    } else putSlot(entry, slot, newSlot(policy.name, state, expiresAt));
  }

  /** A new entry for the key (replacing an expired one); throws `StoreFullError` when there is no room. */
  #insert(key: RateLimitKey, now: number): Entry {
    let identities = this.#scopes.get(key.scope);
    const entry: Entry = { owner: this, slots: [], expiresAt: 0 };
    rememberStoreRecord(key, entry);
    const expired = identities?.get(key.identity);
    if (expired !== undefined) {
      expired.expiresAt = REMOVED;
      identities?.set(key.identity, entry);
      return entry;
    }
    if (this.#size >= this.maxEntries) {
      if (now - this.#lastFullSweepAt >= FULL_SWEEP_MIN_INTERVAL_MS) this.sweep(now);
      if (this.#size >= this.maxEntries) throw new StoreFullError(STORE, this.maxEntries);
      identities = this.#scopes.get(key.scope);
    }
    if (identities === undefined) {
      identities = new Map();
      this.#scopes.set(key.scope, identities);
    }
    identities.set(key.identity, entry);
    this.#size++;
    return entry;
  }

  #remove(identities: Map<string, Entry>, identity: string): void {
    const entry = identities.get(identity);
    if (entry !== undefined) entry.expiresAt = REMOVED;
    if (identities.delete(identity)) this.#size--;
  }
}

/** A slot holding a copy of `state` (one object literal per algorithm: one hidden class each). */
function newSlot(policy: string, state: CounterState, expiresAt: number): Slot {
  switch (state.algorithm) {
    case 'fixed-window':
      return {
        policy,
        expiresAt,
        algorithm: state.algorithm,
        windowStart: state.windowStart,
        count: state.count,
        blockedUntil: state.blockedUntil,
      };
    case 'sliding-window':
      return {
        policy,
        expiresAt,
        algorithm: state.algorithm,
        windowStart: state.windowStart,
        count: state.count,
        previousCount: state.previousCount,
        blockedUntil: state.blockedUntil,
      };
    case 'gcra':
      return {
        policy,
        expiresAt,
        algorithm: state.algorithm,
        theoreticalArrival: state.theoreticalArrival,
        blockedUntil: state.blockedUntil,
      };
  }
}

/** Puts `kept` in `entry` in the place of `replaced`, or beside its slots when it replaces none. */
function putSlot(entry: Entry, replaced: Slot | undefined, kept: Slot): void {
  if (replaced === undefined) entry.slots.push(kept);
  else entry.slots[entry.slots.indexOf(replaced)] = kept;
}

function slotOf(entry: Entry, policy: string): Slot | undefined {
  // An index loop: `for…of` here cost a tenth of a store check (its iterator is not optimised away).
  const slots = entry.slots;
  for (let i = 0; i < slots.length; i++) if ((slots[i] as Slot).policy === policy) return slots[i];
  return undefined;
}

function copyOutcome({ allowed, remaining, resetMs, retryAfterMs }: PolicyOutcome): PolicyOutcome {
  return { allowed, remaining, resetMs, retryAfterMs };
}
