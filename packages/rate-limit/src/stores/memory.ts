import { type Clock, RampartConfigError, StoreFullError, systemClock } from '@rampart/core';
import { adjustState } from '../algorithms/adjust.js';
import {
  applyBlock,
  createOutcome,
  evaluatePolicy,
  type PolicyOutcome,
} from '../algorithms/evaluate.js';
import type { ResolvedPolicy } from '../policy.js';
import {
  type RateLimitCheck,
  type RateLimitKey,
  type RateLimitStore,
  rememberStoreRecord,
  storeRecordOf,
} from '../store.js';
import { type Entry, liveSlot, type Slot, storeSlot } from './memory-entry.js';

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

const STORE = 'memory-rate-limit-store';
const MAX_POLICIES = 8;
/** A full store sweeps everything at most this often, so a flood of refused clients stays O(1). */
const FULL_SWEEP_MIN_INTERVAL_MS = 250;

/**
 * The default store: counters in this process, bounded, synchronous (no promise on the hot
 * path). Every policy of a route is checked in one synchronous step, atomic by construction.
 * Entries are found by scope, then identity: both strings the limiter reuses, so a check hashes
 * no fresh key. Counters are per process: behind several processes use Redis or Postgres.
 *
 * @example
 * const limiter = createRateLimiter({ store: new MemoryRateLimitStore({ maxEntries: 50_000 }), policies });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly name = STORE;
  readonly maxEntries: number;
  readonly #scopes = new Map<string, Map<string, Entry>>();
  readonly #clock: Clock;
  #size = 0;
  #lastScope: string | undefined;
  #lastIdentities: Map<string, Entry> | undefined;
  #lastFullSweepAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  /** Outcomes reused by `hitSync`: its result is read before the next call (documented). */
  readonly #outcomes: PolicyOutcome[] = Array.from({ length: MAX_POLICIES }, createOutcome);
  readonly #views: PolicyOutcome[][] = Array.from({ length: MAX_POLICIES + 1 }, (_, n) =>
    this.#outcomes.slice(0, n),
  );
  readonly #slots: Array<Slot | undefined> = new Array(MAX_POLICIES).fill(undefined);

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    const { maxEntries = 100_000, clock = systemClock, sweepIntervalMs = 60_000 } = options;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RampartConfigError(
        'MemoryRateLimitStore.maxEntries',
        'must be a whole number >= 1.',
      );
    }
    if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 0) {
      throw new RampartConfigError(
        'MemoryRateLimitStore.sweepIntervalMs',
        'must be a whole number of milliseconds >= 0.',
      );
    }
    this.maxEntries = maxEntries;
    this.#clock = clock;
    if (sweepIntervalMs > 0) {
      this.#timer = setInterval(() => this.sweep(this.#clock.now()), sweepIntervalMs);
      this.#timer.unref();
    }
  }

  /** Entries held (clients × scopes), expired ones not yet swept included. */
  get size(): number {
    return this.#size;
  }

  hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    try {
      return Promise.resolve(this.hitSync(check).map(copyOutcome));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * See `RateLimitStore.hit`. The returned array and its outcomes are reused by the next call:
   * read them before calling again.
   */
  hitSync(check: RateLimitCheck): readonly PolicyOutcome[] {
    const { key, cost, now } = check;
    const policies = key.policies;
    const count = policies.length;
    const entry = this.#entry(key, now);
    if (count === 1) return this.#hitOne(key, entry, cost, now);
    let allowed = true;
    for (let i = 0; i < count; i++) {
      const policy = policies[i] as ResolvedPolicy;
      const slot = entry === undefined ? undefined : liveSlot(entry, policy.name, now);
      this.#slots[i] = slot;
      if (!evaluatePolicy(policy, slot, now, cost, this.#outcomes[i] as PolicyOutcome).allowed)
        allowed = false;
    }
    if (allowed) this.#commit(key, entry, now, false);
    else {
      let blocked = false;
      for (let i = 0; i < count; i++) {
        const outcome = this.#outcomes[i] as PolicyOutcome;
        const before = outcome.next.blockedUntil;
        applyBlock(policies[i] as ResolvedPolicy, outcome, now);
        if (outcome.next.blockedUntil !== before) blocked = true;
      }
      if (blocked) this.#commit(key, entry, now, true);
    }
    return this.#views[count] as PolicyOutcome[];
  }

  /**
   * `hitSync` for the common one-policy route: the same steps without the loops over policies
   * and the slot table (the conformance suite runs both paths).
   */
  #hitOne(key: RateLimitKey, entry: Entry | undefined, cost: number, now: number): PolicyOutcome[] {
    const policy = key.policies[0] as ResolvedPolicy;
    const slot = entry === undefined ? undefined : liveSlot(entry, policy.name, now);
    const outcome = evaluatePolicy(policy, slot, now, cost, this.#outcomes[0] as PolicyOutcome);
    let write = outcome.allowed;
    if (!write) {
      const before = outcome.next.blockedUntil;
      applyBlock(policy, outcome, now);
      write = outcome.next.blockedUntil !== before;
    }
    if (write) storeSlot(this.#entryToWrite(key, entry, now), policy, slot, outcome.next, now);
    return this.#views[1] as PolicyOutcome[];
  }

  async peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    const { key, cost, now } = check;
    const entry = this.#entry(key, now);
    return key.policies.map((policy) =>
      evaluatePolicy(
        policy,
        entry && liveSlot(entry, policy.name, now),
        now,
        cost,
        createOutcome(),
      ),
    );
  }

  async adjust(check: RateLimitCheck, delta: number, blockUntil: number): Promise<void> {
    const { key, now } = check;
    const entry = this.#entry(key, now);
    const count = key.policies.length;
    for (let i = 0; i < count; i++) {
      const policy = key.policies[i] as ResolvedPolicy;
      const slot = entry && liveSlot(entry, policy.name, now);
      this.#slots[i] = slot;
      const next = adjustState(policy, slot, now, delta, (this.#outcomes[i] as PolicyOutcome).next);
      if (blockUntil > next.blockedUntil) next.blockedUntil = blockUntil;
    }
    this.#commit(key, entry, now, false);
  }

  async reset(key: RateLimitKey): Promise<void> {
    const identities = this.#scopes.get(key.scope);
    const entry = identities?.get(key.identity);
    if (identities === undefined || entry === undefined) return;
    for (const policy of key.policies) {
      const index = entry.slots.findIndex((slot) => slot.name === policy.name);
      if (index !== -1) entry.slots.splice(index, 1);
    }
    if (entry.slots.length === 0) this.#remove(identities, key.identity, entry);
  }

  /** Drops every expired entry now; returns how many. O(n): for timers and tests. */
  sweep(now: number): number {
    let removed = 0;
    for (const identities of this.#scopes.values()) {
      for (const [identity, entry] of identities) {
        if (entry.expiresAt <= now) {
          this.#remove(identities, identity, entry);
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

  #entry(key: RateLimitKey, now: number): Entry | undefined {
    // A live entry a key remembers is the one in the map: removal marks an entry dead.
    let entry = storeRecordOf<Entry>(key, this);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = this.#identities(key.scope)?.get(key.identity);
      if (entry === undefined || entry.expiresAt <= now) return undefined;
      rememberStoreRecord(key, entry);
    }
    return entry;
  }

  /** The clients of a scope; the last one asked is remembered, as traffic comes in runs. */
  #identities(scope: string): Map<string, Entry> | undefined {
    if (scope === this.#lastScope) return this.#lastIdentities;
    const identities = this.#scopes.get(scope);
    if (identities !== undefined) {
      this.#lastScope = scope;
      this.#lastIdentities = identities;
    }
    return identities;
  }

  /** Writes the outcomes' next states; `onlyBlocks`: only the policies that started a block. */
  #commit(key: RateLimitKey, entry: Entry | undefined, now: number, onlyBlocks: boolean): void {
    const policies = key.policies;
    const target = this.#entryToWrite(key, entry, now);
    for (let i = 0; i < policies.length; i++) {
      const next = (this.#outcomes[i] as PolicyOutcome).next;
      const slot = this.#slots[i];
      if (onlyBlocks && next.blockedUntil === (slot?.blockedUntil ?? 0)) continue;
      storeSlot(target, policies[i] as ResolvedPolicy, slot, next, now);
    }
  }

  /** The client's entry to write into: its live one, or a new one remembered on its key. */
  #entryToWrite(key: RateLimitKey, entry: Entry | undefined, now: number): Entry {
    if (entry !== undefined) return entry;
    const inserted = this.#insert(key, now);
    rememberStoreRecord(key, inserted);
    return inserted;
  }

  /** A new (or reused expired) entry for the key; throws `StoreFullError` when there is no room. */
  #insert(key: RateLimitKey, now: number): Entry {
    let identities = this.#scopes.get(key.scope);
    const stale = identities?.get(key.identity);
    if (stale !== undefined) {
      stale.slots.length = 0;
      stale.expiresAt = 0;
      return stale;
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
    const entry: Entry = { owner: this, slots: [], expiresAt: 0 };
    identities.set(key.identity, entry);
    this.#size++;
    return entry;
  }

  #remove(identities: Map<string, Entry>, identity: string, entry: Entry): void {
    entry.expiresAt = Number.NEGATIVE_INFINITY;
    if (identities.delete(identity)) this.#size--;
  }
}

function copyOutcome(outcome: PolicyOutcome): PolicyOutcome {
  return { ...outcome, next: { ...outcome.next } };
}
