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
import { encodeReplay, type ReplayResponse } from '../response.js';
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
  /**
   * `undefined` while the lease runs; the encoded response, or, when `createIdempotency` completed
   * it without a sealer, the replay itself (see {@link TrustedMemoryAccess}).
   */
  readonly response: string | ReplayResponse | undefined;
}

/** What a claim through {@link TrustedMemoryAccess} answers: a kept response may be the replay. */
export type TrustedClaimResult =
  | Exclude<IdempotencyClaimResult, { readonly outcome: 'completed' }>
  | { readonly outcome: 'completed'; readonly response: string | ReplayResponse };

/**
 * `createIdempotency`'s own way into a memory store (not exported by the package): claims,
 * completions and releases of values it made itself (record keys and fingerprints, a `randomUUID`,
 * durations it validated with its options), so they are not checked again, and a response kept as the replay object itself
 * rather than as JSON to parse again on every replay. The store's public methods, which anyone may
 * call, check every argument as before. Used only while the store's own methods are in place: an
 * override (a subclass, a spy) is never skipped.
 */
export interface TrustedMemoryAccess {
  claim(store: IdempotencyStore, claim: IdempotencyClaim): TrustedClaimResult;
  complete(
    store: IdempotencyStore,
    lease: IdempotencyLeaseRef,
    response: string | ReplayResponse,
    retentionMs: number,
  ): boolean;
  release(store: IdempotencyStore, lease: IdempotencyLeaseRef): boolean;
}

let trusted: TrustedMemoryAccess | undefined;

/**
 * The trusted access to `store` while it is a memory store whose `claim`, `complete` and `release`
 * are this class's own; `undefined` otherwise. Call its methods with that same `store`.
 */
export function trustedMemoryAccessOf(store: IdempotencyStore): TrustedMemoryAccess | undefined {
  if (!(store instanceof MemoryIdempotencyStore)) return undefined;
  const own = MemoryIdempotencyStore.prototype;
  return store.claim === own.claim &&
    store.complete === own.complete &&
    store.release === own.release
    ? trusted
    : undefined;
}

const ACQUIRED: IdempotencyClaimResult = Object.freeze({ outcome: 'acquired' });
const MISMATCH: IdempotencyClaimResult = Object.freeze({ outcome: 'mismatch' });

/**
 * The embedded `IdempotencyStore`: one process, no server. Every operation is a synchronous map
 * operation, so a claim is atomic within the process; `claim` has a synchronous twin (core's
 * fast path, `syncTwinOf(store, 'claim')`). Use the Redis or Postgres store when several
 * processes serve the same clients.
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

  static {
    // Saves the promise, and the microtask awaiting it, on every request with a key.
    defineSyncTwin(MemoryIdempotencyStore.prototype, 'claim', function claimNow(claim) {
      return this.#claim(claim);
    });
    // Only ever handed out by trustedMemoryAccessOf, for the store it was asked about.
    const memory = (store: IdempotencyStore) => store as MemoryIdempotencyStore;
    trusted = Object.freeze({
      claim: (store, claim) => memory(store).#claimChecked(claim),
      complete: (store, lease, response, retentionMs) =>
        memory(store).#complete(lease, response, retentionMs),
      release: (store, lease) => memory(store).#release(lease),
    } satisfies TrustedMemoryAccess);
  }

  /** See `IdempotencyStore.complete`. */
  complete(completion: IdempotencyCompletion): Promise<boolean> {
    try {
      assertCompletion(completion);
      return Promise.resolve(
        this.#complete(completion, completion.response, completion.retentionMs),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** See `IdempotencyStore.release`. */
  release(lease: IdempotencyLeaseRef): Promise<boolean> {
    try {
      assertLeaseRef(lease);
      return Promise.resolve(this.#release(lease));
    } catch (error) {
      return Promise.reject(error);
    }
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

  #claim(claim: IdempotencyClaim): IdempotencyClaimResult {
    assertClaim(claim);
    const claimed = this.#claimChecked(claim);
    // A replay object is kept only under an in-process key, which is never a digest, so a public
    // claim never meets one; it would get the encoded response all the same.
    if (claimed.outcome !== 'completed' || typeof claimed.response === 'string') {
      return claimed as IdempotencyClaimResult;
    }
    return { outcome: 'completed', response: encodeReplay(claimed.response) };
  }

  #complete(
    lease: IdempotencyLeaseRef,
    response: string | ReplayResponse,
    retentionMs: number,
  ): boolean {
    const record = this.#holds(lease);
    if (record === undefined) return false;
    // Replacing an existing key never needs room, so this cannot be refused.
    this.#records.set(
      lease.key,
      { userId: record.userId, fingerprint: record.fingerprint, leaseId: undefined, response },
      retentionMs,
    );
    return true;
  }

  #release(lease: IdempotencyLeaseRef): boolean {
    if (!this.#holds(lease)) return false;
    this.#records.delete(lease.key);
    return true;
  }

  /** The claim of arguments already checked (by `#claim`, or made by `createIdempotency`). */
  #claimChecked(claim: IdempotencyClaim): TrustedClaimResult {
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
