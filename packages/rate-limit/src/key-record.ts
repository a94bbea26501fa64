import type { ResolvedPolicy } from './policy.js';
import type { RateLimitKey } from './store.js';

/**
 * Where a store may remember what it derived from a key (the memory store's entry, the Redis
 * key), so a check of a client seen before skips finding it: a property read instead of two map
 * lookups, a fifth of a memory-store check. The limiter hands out one key object per client and
 * route and reuses it across checks; those keys carry this slot (`null` until a store fills it).
 * Keys built by hand do not, and stores then look them up as usual. A store checks that a
 * remembered record is its own (`owner`) and still current before using it.
 */
const STORE_RECORD: unique symbol = Symbol('rampart.rate-limit.store-record');

/** What a store remembers on a key: tagged with the store it belongs to. */
export interface StoreRecord {
  readonly owner: object;
}

interface KeyWithRecord extends RateLimitKey {
  [STORE_RECORD]: StoreRecord | null;
}

/**
 * A key with an empty record slot. The slot is not enumerable, so a copy of the key
 * (`{ ...key, identity }`) never carries another key's record.
 */
export function keyWithRecord(
  scope: string,
  identity: string,
  policies: readonly ResolvedPolicy[],
): RateLimitKey {
  const key = { scope, identity, policies };
  Object.defineProperty(key, STORE_RECORD, { value: null, writable: true, enumerable: false });
  return key;
}

/** The record `owner` remembered on `key`, if the key has the slot and holds one of `owner`'s. */
export function storeRecordOf<Record extends StoreRecord>(
  key: RateLimitKey,
  owner: object,
): Record | undefined {
  const record = (key as Partial<KeyWithRecord>)[STORE_RECORD];
  return record != null && record.owner === owner ? (record as Record) : undefined;
}

/** Remembers `record` on `key` when the key has the slot (a key made by the limiter). */
export function rememberStoreRecord(key: RateLimitKey, record: StoreRecord): void {
  if ((key as Partial<KeyWithRecord>)[STORE_RECORD] !== undefined)
    (key as KeyWithRecord)[STORE_RECORD] = record;
}
