import type { CounterState, PolicyOutcome } from './algorithms/evaluate.js';
import type { ResolvedPolicy } from './policy.js';

/** Which client on which route: what a store keys its counters by. */
export interface RateLimitKey {
  /** The route's scope, `METHOD /matched/:pattern` (or the limiter's fixed `scope`). */
  readonly scope: string;
  /** The client: key parts such as `203.0.113.7`, `user:42` or `203.0.113.7|x:alice@example.com`. */
  readonly identity: string;
  /** The policies in force for this client (overrides applied), in declaration order. */
  readonly policies: readonly ResolvedPolicy[];
}

/**
 * Where a store may remember what it derived from a key (the memory store's entry, the Redis
 * key string), so a check on a key seen before skips the lookup. The limiter hands out one key
 * object per client and route and reuses it across checks; those keys carry this property (`null`
 * until a store fills it). Keys built by hand do not, and stores then look them up as usual. A
 * store must check that a remembered record is its own and still current before using it.
 */
export const STORE_RECORD: unique symbol = Symbol('rampart.rate-limit.store-record');

/** A key as the limiter makes it: reused across checks, with a slot for the store's record. */
export interface ReusedRateLimitKey extends RateLimitKey {
  [STORE_RECORD]: { readonly owner: object } | null;
}

/**
 * Makes a key with an empty record slot. The slot is not enumerable, so a copy of the key
 * (`{ ...key, identity }`) never carries another key's record.
 */
export function reusableKey(
  scope: string,
  identity: string,
  policies: readonly ResolvedPolicy[],
): ReusedRateLimitKey {
  const key = { scope, identity, policies } as ReusedRateLimitKey;
  Object.defineProperty(key, STORE_RECORD, { value: null, writable: true, enumerable: false });
  return key;
}

/** The record a store remembered on `key`, if the key has the slot and the record is `owner`'s. */
export function storeRecordOf<T extends { readonly owner: object }>(
  key: RateLimitKey,
  owner: object,
): T | undefined {
  const record = (key as Partial<ReusedRateLimitKey>)[STORE_RECORD];
  return record != null && record.owner === owner ? (record as T) : undefined;
}

/** Remembers `record` on `key` when the key has the slot (a key made by the limiter). */
export function rememberStoreRecord(key: RateLimitKey, record: { readonly owner: object }): void {
  if ((key as Partial<ReusedRateLimitKey>)[STORE_RECORD] !== undefined)
    (key as ReusedRateLimitKey)[STORE_RECORD] = record;
}

/** One check of every policy of a key, as a store receives it. */
export interface RateLimitCheck {
  readonly key: RateLimitKey;
  /** Cost units this request spends, a whole number >= 1. */
  readonly cost: number;
  /** Epoch ms of the limiter's clock. */
  readonly now: number;
}

/**
 * Where counters live. Every method covers all policies of a key in ONE atomic operation (one
 * synchronous step in memory, one Lua script on Redis, one statement on Postgres): either every
 * policy admits the request and each spends `cost`, or none spends anything, and a policy with
 * `blockMs` that refused starts its block. Implementations evaluate with `evaluatePolicy()`'s
 * arithmetic; `describeRateLimitStoreConformance` (`@rampart/rate-limit/testing`) checks it.
 *
 * Failures: a store that cannot answer rejects with `StoreUnavailableError` (the limiter applies
 * `onStoreError`); a memory store that is full rejects with `StoreFullError`.
 */
export interface RateLimitStore {
  /** Names the store in errors and events, e.g. `redis-rate-limit-store`. */
  readonly name: string;
  /** Checks and, when every policy admits it, counts one request. Outcomes in policy order. */
  hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]>;
  /**
   * The synchronous `hit` of in-process stores; the adapters use it to keep the memory path
   * free of promises.
   */
  hitSync?(check: RateLimitCheck): readonly PolicyOutcome[];
  /** What `hit` would answer for a request of `check.cost`, without counting it. */
  peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]>;
  /** Moves every policy's counter by `delta` (see `adjustState`); blocks until `blockUntil` when > now. */
  adjust(check: RateLimitCheck, delta: number, blockUntil: number): Promise<void>;
  /** Forgets every policy's counter and block for the key. */
  reset(key: RateLimitKey): Promise<void>;
}

/** The text key of one policy of a key in stores without hash tags (memory, Postgres). */
export function storageKey(key: RateLimitKey, policy: ResolvedPolicy): string {
  // The scope is length-prefixed and policy names hold no ':', so no two triples collide.
  return `${policy.name}:${key.scope.length}:${key.scope}:${key.identity}`;
}

export type { CounterState, PolicyOutcome };
