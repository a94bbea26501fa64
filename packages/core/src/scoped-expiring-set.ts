import { type Clock, systemClock } from './clock.js';
import {
  checkSweepBounds,
  FULL_SWEEP_MIN_INTERVAL_MS,
  SWEEP_BATCH,
  SWEEP_EVERY,
  startSweepTimer,
} from './expiry-sweep.js';

/** Result of {@link ScopedExpiringSet.add}: the same words as `BoundedExpiringMap.add`. */
export type ScopedAddResult = 'added' | 'exists' | 'full';

export interface ScopedExpiringSetOptions {
  /** Most members held at once, across every scope, expired-but-unswept ones included. */
  maxEntries: number;
  clock?: Clock;
  /** How often an unref'd timer sweeps every expired member; `0` disables it. Default 60 000 ms. */
  sweepIntervalMs?: number;
}

/**
 * A set of (scope, member) pairs that each expire, bounded by `maxEntries` and refusing when full
 * (forgetting a nonce early would let its replay through): the table behind `MemoryNonceStore`.
 *
 * Why not a `BoundedExpiringMap` keyed by `scope:member`: joining the two strings costs a new
 * string per claim, which V8 must flatten and hash, and every entry kept an object and a heap
 * number for its expiry alive through each scavenge; together about 1 µs of a 2 µs claim. Here a
 * scope's members sit in their own `Map`, keyed by the member string as received, and an expiry is
 * milliseconds after the set's creation: a small integer V8 keeps inline (for about 12 days of
 * uptime; later ones are ordinary numbers, just as correct).
 *
 * Expired members are invisible at once and removed a batch at a time as adds go on (plus the
 * optional timer); a scope's map is dropped when the sweep finds it empty. Memory: about 77 bytes
 * a member with few scopes (docs/benchmarks.md), about 220 when every member has a scope of its
 * own (each scope is a small map); `maxEntries` bounds members either way.
 *
 * @example
 * const seen = new ScopedExpiringSet({ maxEntries: 100_000 });
 * if (seen.add(keyId, nonce, 600_000) !== 'added') refuse();
 */
export class ScopedExpiringSet {
  readonly maxEntries: number;
  readonly #clock: Clock;
  /** Expiries are stored relative to this instant, so they stay small integers. */
  readonly #epoch: number;
  readonly #scopes = new Map<string, Map<string, number>>();
  /** The scope last added to and its map: claims come in runs of one scope (one key id). */
  #lastScope: string | undefined;
  #lastMembers: Map<string, number> | undefined;
  #size = 0;
  /** A lower bound of the earliest expiry held (relative): nothing expires before it. */
  #earliestExpiry = Number.POSITIVE_INFINITY;
  #lastFullSweepAt = Number.NEGATIVE_INFINITY;
  #addsUntilSweep = SWEEP_EVERY;
  // The incremental sweep's position: a cursor over the scopes, and one over the current scope.
  #scopeCursor: Iterator<[string, Map<string, number>]> | undefined;
  #sweptScope: string | undefined;
  #sweptMembers: Map<string, number> | undefined;
  #memberCursor: Iterator<[string, number]> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ScopedExpiringSetOptions) {
    const { maxEntries, clock = systemClock, sweepIntervalMs = 60_000 } = options;
    checkSweepBounds(maxEntries, sweepIntervalMs);
    this.maxEntries = maxEntries;
    this.#clock = clock;
    this.#epoch = clock.now();
    this.#timer = startSweepTimer(() => this.sweep(), sweepIntervalMs);
  }

  /** Members held, including expired ones not yet swept. */
  get size(): number {
    return this.#size;
  }

  /** Scopes with a map of their own: a scope's map goes once a sweep finds it empty. */
  get scopeCount(): number {
    return this.#scopes.size;
  }

  /** True while `member` of `scope` is held and unexpired. */
  has(scope: string, member: string): boolean {
    const expiry = this.#scopes.get(scope)?.get(member);
    return expiry !== undefined && expiry > this.#clock.now() - this.#epoch;
  }

  /**
   * Adds `member` to `scope` for `ttlMs` unless it is already there unexpired: the atomic claim
   * of a nonce (synchronous, so no other caller can interleave). `'full'` adds nothing.
   */
  add(scope: string, member: string, ttlMs: number): ScopedAddResult {
    const now = this.#clock.now() - this.#epoch;
    if (--this.#addsUntilSweep === 0) {
      this.#addsUntilSweep = SWEEP_EVERY;
      if (now >= this.#earliestExpiry) this.#sweepStep(now);
    }
    let members = scope === this.#lastScope ? this.#lastMembers : this.#scopes.get(scope);
    if (members !== undefined) {
      const expiry = members.get(member);
      if (expiry !== undefined) {
        if (expiry > now) return 'exists';
        members.delete(member);
        this.#size--;
      }
    }
    if (this.#size >= this.maxEntries) {
      if (!this.#makeRoom(now)) return 'full';
      // The sweep may have dropped this scope's map once it was empty.
      members = this.#scopes.get(scope);
    }
    if (members === undefined) {
      members = new Map();
      this.#scopes.set(scope, members);
    }
    this.#lastScope = scope;
    this.#lastMembers = members;
    const expiry = now + ttlMs;
    members.set(member, expiry);
    this.#size++;
    if (expiry < this.#earliestExpiry) this.#earliestExpiry = expiry;
    return 'added';
  }

  /** Removes every expired member now; returns how many. O(n): callers are timers and tests. */
  sweep(): number {
    const now = this.#clock.now() - this.#epoch;
    let removed = 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [scope, members] of this.#scopes) {
      for (const [member, expiry] of members) {
        if (expiry <= now) {
          members.delete(member);
          removed++;
        } else if (expiry < earliest) {
          earliest = expiry;
        }
      }
      if (members.size === 0) this.#dropScope(scope);
    }
    this.#size -= removed;
    this.#earliestExpiry = earliest;
    this.#lastFullSweepAt = now;
    this.#scopeCursor = undefined;
    this.#memberCursor = undefined;
    return removed;
  }

  /** Stops the background sweep timer. The set stays usable. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Forgets an empty scope's map, and the cached one with it: a dropped map takes no adds. */
  #dropScope(scope: string): void {
    this.#scopes.delete(scope);
    if (scope === this.#lastScope) {
      this.#lastScope = undefined;
      this.#lastMembers = undefined;
    }
  }

  #makeRoom(now: number): boolean {
    if (now < this.#earliestExpiry || now - this.#lastFullSweepAt < FULL_SWEEP_MIN_INTERVAL_MS) {
      return false;
    }
    this.sweep();
    return this.#size < this.maxEntries;
  }

  /** Examines the next `SWEEP_BATCH` members, scope after scope, and drops the expired ones. */
  #sweepStep(now: number): void {
    for (let examined = 0; examined < SWEEP_BATCH; ) {
      if (this.#memberCursor === undefined) {
        this.#scopeCursor ??= this.#scopes.entries();
        const next = this.#scopeCursor.next();
        if (next.done) {
          this.#scopeCursor = undefined;
          return;
        }
        [this.#sweptScope, this.#sweptMembers] = next.value;
        this.#memberCursor = this.#sweptMembers.entries();
      }
      const members = this.#sweptMembers as Map<string, number>;
      const next = this.#memberCursor.next();
      if (next.done) {
        this.#memberCursor = undefined;
        const scope = this.#sweptScope as string;
        if (members.size === 0 && this.#scopes.get(scope) === members) this.#dropScope(scope);
        continue;
      }
      examined++;
      if (next.value[1] <= now) {
        members.delete(next.value[0]);
        this.#size--;
      }
    }
  }
}
