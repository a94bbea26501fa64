import { type Clock, systemClock } from './clock.js';
import { CONFIG_ERROR_CODES, RampartConfigError } from './errors/configuration-error.js';
import {
  checkSweepBounds,
  FULL_SWEEP_MIN_INTERVAL_MS,
  SWEEP_BATCH,
  SWEEP_EVERY,
  startSweepTimer,
} from './expiry-sweep.js';

/**
 * What a full map does with a new key. Security state (nonces, revocations, counters) must
 * `'refuse'`: forgetting an unexpired entry to make room would let a replay or a brute force
 * through. Caches of derivable data may `'evict-oldest'`.
 */
export type WhenFull = 'refuse' | 'evict-oldest';

export interface BoundedExpiringMapOptions {
  /** Most entries held at once, expired-but-unswept ones included. */
  maxEntries: number;
  /** Default `'refuse'`. */
  whenFull?: WhenFull;
  clock?: Clock;
  /**
   * How often an unref'd timer sweeps every expired entry, so memory comes back when writes
   * stop. The timer never holds the process open. `0` disables it. Default 60 000 ms.
   */
  sweepIntervalMs?: number;
}

/** Result of {@link BoundedExpiringMap.add}. */
export type AddResult = 'added' | 'exists' | 'full';

class Entry<V> {
  constructor(
    public value: V,
    public expiresAt: number,
  ) {}
}

/**
 * A string-keyed map whose entries expire, bounded by `maxEntries`: the base of every memory
 * store. `get`, `add`, `set` and `delete` are O(1); expired entries are invisible at once and
 * removed a batch at a time as writes go on (plus an optional unref'd timer), never by a timer that
 * holds the process open.
 *
 * When full, a write first sweeps expired entries (at most every 250 ms), then either refuses
 * (`whenFull: 'refuse'`, the default) or evicts the oldest entry.
 *
 * @example
 * const seen = new BoundedExpiringMap<true>({ maxEntries: 10_000 });
 * if (seen.add(key, true, 60_000) !== 'added') refuse();
 */
export class BoundedExpiringMap<V> {
  readonly maxEntries: number;
  readonly whenFull: WhenFull;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry<V>>();
  #cursor: Iterator<[string, Entry<V>]> | undefined;
  /** A lower bound of the earliest expiry held: no full sweep can free anything before it. */
  #earliestExpiry = Number.POSITIVE_INFINITY;
  #lastFullSweepAt = Number.NEGATIVE_INFINITY;
  #insertsUntilSweep = SWEEP_EVERY;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BoundedExpiringMapOptions) {
    const {
      maxEntries,
      whenFull = 'refuse',
      clock = systemClock,
      sweepIntervalMs = 60_000,
    } = options;
    checkSweepBounds(maxEntries, sweepIntervalMs);
    if (whenFull !== 'refuse' && whenFull !== 'evict-oldest') {
      throw new RampartConfigError(
        'whenFull',
        `must be 'refuse' or 'evict-oldest', got ${String(whenFull)}`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    this.maxEntries = maxEntries;
    this.whenFull = whenFull;
    this.#clock = clock;
    this.#timer = startSweepTimer(() => this.sweep(), sweepIntervalMs);
  }

  /** Entries held, including expired ones not yet swept. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The value of `key`, or `undefined` when absent or expired. `now` is the clock's reading, for a
   * caller that reads several maps at one instant (one clock call instead of one a map).
   */
  get(key: string, now = this.#clock.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** True while `key` is held and unexpired; `now` as for {@link BoundedExpiringMap.get}. */
  has(key: string, now = this.#clock.now()): boolean {
    return this.get(key, now) !== undefined;
  }

  /** Milliseconds until `key` expires, or `undefined` when it is absent or expired. */
  ttl(key: string): number | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const remaining = entry.expiresAt - this.#clock.now();
    return remaining > 0 ? remaining : undefined;
  }

  /**
   * Stores `key` only if it is absent or expired: the atomic "claim" of a nonce (synchronous, so
   * no other caller can interleave).
   */
  add(key: string, value: V, ttlMs: number): AddResult {
    const now = this.#clock.now();
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.expiresAt > now) return 'exists';
    if (existing !== undefined) this.#entries.delete(key);
    return this.#insert(key, value, now + ttlMs, now) ? 'added' : 'full';
  }

  /**
   * Stores `key`, replacing any value. Returns `false` when the map is full and refuses; replacing
   * an existing key never needs room.
   */
  set(key: string, value: V, ttlMs: number): boolean {
    const now = this.#clock.now();
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      // Delete first so the entry moves to the end of the insertion order it is evicted by.
      this.#entries.delete(key);
      this.#entries.set(key, new Entry(value, now + ttlMs));
      this.#noteExpiry(now + ttlMs);
      return true;
    }
    return this.#insert(key, value, now + ttlMs, now);
  }

  /**
   * Gives `key`'s unexpired entry a new value and expiry in place: one lookup, where `set` deletes
   * and inserts again. The entry keeps its place in the insertion order, so an `'evict-oldest'`
   * map evicts it as early as before. Returns `false`, storing nothing, when `key` is absent or
   * expired.
   */
  replace(key: string, value: V, ttlMs: number): boolean {
    const now = this.#clock.now();
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) return false;
    entry.value = value;
    entry.expiresAt = now + ttlMs;
    this.#noteExpiry(entry.expiresAt);
    return true;
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#cursor = undefined;
    this.#earliestExpiry = Number.POSITIVE_INFINITY;
  }

  /** Removes every expired entry now; returns how many. O(n): callers are timers and tests. */
  sweep(): number {
    const now = this.#clock.now();
    let removed = 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
        removed++;
      } else if (entry.expiresAt < earliest) {
        earliest = entry.expiresAt;
      }
    }
    this.#earliestExpiry = earliest;
    this.#lastFullSweepAt = now;
    this.#cursor = undefined;
    return removed;
  }

  /** Stops the background sweep timer. The map stays usable. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #insert(key: string, value: V, expiresAt: number, now: number): boolean {
    // Before the earliest expiry held nothing can have expired: the step would only walk entries.
    if (--this.#insertsUntilSweep === 0) {
      this.#insertsUntilSweep = SWEEP_EVERY;
      if (now >= this.#earliestExpiry) this.#sweepStep(now);
    }
    if (this.#entries.size >= this.maxEntries && !this.#makeRoom(now)) return false;
    this.#entries.set(key, new Entry(value, expiresAt));
    this.#noteExpiry(expiresAt);
    return true;
  }

  #makeRoom(now: number): boolean {
    if (now >= this.#earliestExpiry && now - this.#lastFullSweepAt >= FULL_SWEEP_MIN_INTERVAL_MS) {
      this.sweep();
      if (this.#entries.size < this.maxEntries) return true;
    }
    if (this.whenFull === 'refuse') return false;
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#entries.delete(oldest.value);
    return true;
  }

  #noteExpiry(expiresAt: number): void {
    if (expiresAt < this.#earliestExpiry) this.#earliestExpiry = expiresAt;
  }

  /** Examines the next batch of entries in insertion order and drops the expired ones. */
  #sweepStep(now: number): void {
    for (let i = 0; i < SWEEP_BATCH; i++) {
      if (this.#cursor === undefined) this.#cursor = this.#entries.entries();
      const next = this.#cursor.next();
      if (next.done) {
        this.#cursor = undefined;
        return;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
