import {
  BoundedExpiringMap,
  type Clock,
  defineSyncTwin,
  parseOptions,
  StoreFullError,
  systemClock,
} from '@rampart/core';
import { memoryStoreOptionsShape } from '@rampart/core/store';
import { z } from 'zod';
import {
  assertClaim,
  assertCompletion,
  assertLeaseRef,
  assertUserId,
  type IdempotencyClaim,
  type IdempotencyClaimResult,
  type IdempotencyCompletion,
  type IdempotencyLeaseRef,
  type IdempotencyStore,
} from '../store.js';

/** Options of {@link MemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /**
   * Most records held at once, leases and kept responses alike. When full, a new key is refused
   * with `StoreFullError` (503) rather than forgetting a key that is still in use. Each record
   * holds at most one response of up to `maxResponseBytes` (see `createIdempotency`), so the
   * memory this store may hold is about `maxEntries × maxResponseBytes`. Default 10 000.
   */
  maxEntries?: number;
  clock?: Clock;
  /** Background sweep period (unref'd timer); `0` disables it. Default 60 000 ms. */
  sweepIntervalMs?: number;
}

const optionsSchema = z.strictObject(memoryStoreOptionsShape({ maxEntries: 10_000 }));

const STORE = 'memory-idempotency-store';

interface MemoryRecord {
  readonly userId: string;
  readonly fingerprint: string;
  /**
   * The lease that holds the key while it runs; `undefined` once completed, when no lease can hold
   * it: a record kept for a day does not carry a string nothing compares again.
   */
  readonly leaseId: string | undefined;
  /** `undefined` while the lease runs. */
  readonly response: string | undefined;
}

const ACQUIRED: IdempotencyClaimResult = Object.freeze({ outcome: 'acquired' });
const MISMATCH: IdempotencyClaimResult = Object.freeze({ outcome: 'mismatch' });

/**
 * The embedded `IdempotencyStore`: one process, no server. Every operation is a synchronous map
 * operation, so a claim is atomic within the process; `claim`, `complete` and `release` have
 * synchronous twins (core's fast path, `syncTwinOf(store, 'claim')`). Use the Redis or Postgres
 * store when several processes serve the same clients.
 *
 * @example
 * const idempotency = createIdempotency({ store: new MemoryIdempotencyStore({ maxEntries: 50_000 }) });
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #records: BoundedExpiringMap<MemoryRecord>;
  /**
   * The record keys of each user, for `purgeUser`. Keys whose records expired stay until the
   * user's list or the whole index is pruned (see `#remember`), so it stays within a small multiple
   * of `maxEntries`. A list, not a set: a key claimed again after its record expired may appear
   * twice, which costs `purgeUser` a lookup, where a set's has-and-add cost every first request.
   */
  readonly #keysByUser = new Map<string, string[]>();
  #indexSize = 0;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    const parsed = parseOptions('MemoryIdempotencyStore', optionsSchema, options);
    this.#records = new BoundedExpiringMap<MemoryRecord>({
      maxEntries: parsed.maxEntries,
      whenFull: 'refuse',
      clock: parsed.clock ?? systemClock,
      sweepIntervalMs: parsed.sweepIntervalMs,
    });
  }

  /** See `IdempotencyStore.claim`. */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaimResult> {
    try {
      return Promise.resolve(this.#claim(claim));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** See `IdempotencyStore.complete`. */
  complete(completion: IdempotencyCompletion): Promise<boolean> {
    try {
      return Promise.resolve(this.#complete(completion));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** See `IdempotencyStore.release`. */
  release(lease: IdempotencyLeaseRef): Promise<boolean> {
    try {
      return Promise.resolve(this.#release(lease));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  static {
    // Saves the promise, and the microtask awaiting it, on every request with a key; a lease
    // completes or frees its key at once, so the adapters send the response as soon as it is kept.
    defineSyncTwin(MemoryIdempotencyStore.prototype, 'claim', function claimNow(claim) {
      return this.#claim(claim);
    });
    defineSyncTwin(MemoryIdempotencyStore.prototype, 'complete', function completeNow(completion) {
      return this.#complete(completion);
    });
    defineSyncTwin(MemoryIdempotencyStore.prototype, 'release', function releaseNow(lease) {
      return this.#release(lease);
    });
  }

  /** See `IdempotencyStore.purgeUser`. */
  purgeUser(userId: string): Promise<void> {
    try {
      assertUserId(userId);
    } catch (error) {
      return Promise.reject(error);
    }
    const keys = this.#keysByUser.get(userId);
    if (keys !== undefined) {
      for (const key of keys) {
        // A key reused by another user after this one's record expired is not this user's.
        if (this.#records.get(key)?.userId === userId) this.#records.delete(key);
      }
      this.#indexSize -= keys.length;
      this.#keysByUser.delete(userId);
    }
    return Promise.resolve();
  }

  /** Records held, expired-but-unswept ones included. */
  get size(): number {
    return this.#records.size;
  }

  /** Stops the background sweep timer. The store stays usable. */
  close(): void {
    this.#records.close();
  }

  /** The record while `lease` holds an unexpired lease on it (not yet completed). */
  #holds(lease: IdempotencyLeaseRef): MemoryRecord | undefined {
    const record = this.#records.get(lease.key);
    if (
      record === undefined ||
      record.leaseId !== lease.leaseId ||
      record.userId !== lease.userId ||
      record.response !== undefined
    ) {
      return undefined;
    }
    return record;
  }

  #complete(completion: IdempotencyCompletion): boolean {
    assertCompletion(completion);
    const record = this.#holds(completion);
    if (record === undefined) return false;
    // In place: the record keeps its entry, where `set` would delete it and insert it again.
    return this.#records.replace(
      completion.key,
      {
        userId: record.userId,
        fingerprint: record.fingerprint,
        leaseId: undefined,
        response: completion.response,
      },
      completion.retentionMs,
    );
  }

  #release(lease: IdempotencyLeaseRef): boolean {
    assertLeaseRef(lease);
    if (!this.#holds(lease)) return false;
    this.#records.delete(lease.key);
    return true;
  }

  #claim(claim: IdempotencyClaim): IdempotencyClaimResult {
    assertClaim(claim);
    const existing = this.#records.get(claim.key);
    if (existing !== undefined) {
      if (existing.fingerprint !== claim.fingerprint) return MISMATCH;
      if (existing.response !== undefined) {
        return { outcome: 'completed', response: existing.response };
      }
      return { outcome: 'in-flight', retryAfterMs: this.#records.ttl(claim.key) ?? 1 };
    }
    const record: MemoryRecord = {
      userId: claim.userId,
      fingerprint: claim.fingerprint,
      leaseId: claim.leaseId,
      response: undefined,
    };
    if (this.#records.add(claim.key, record, claim.leaseMs) === 'full') {
      throw new StoreFullError(STORE, this.#records.maxEntries);
    }
    this.#remember(claim.userId, claim.key);
    return ACQUIRED;
  }

  #remember(userId: string, key: string): void {
    const keys = this.#keysByUser.get(userId);
    if (keys === undefined) this.#keysByUser.set(userId, [key]);
    else keys.push(key);
    this.#indexSize++;
    // Amortised O(1): the index is rebuilt from live records only once it holds twice as many
    // keys as the store may hold records.
    if (this.#indexSize > 2 * this.#records.maxEntries) this.#pruneIndex();
  }

  #pruneIndex(): void {
    this.#indexSize = 0;
    for (const [userId, keys] of this.#keysByUser) {
      const live = [...new Set(keys)].filter((key) => this.#records.get(key)?.userId === userId);
      if (live.length === 0) this.#keysByUser.delete(userId);
      else {
        this.#keysByUser.set(userId, live);
        this.#indexSize += live.length;
      }
    }
  }
}
