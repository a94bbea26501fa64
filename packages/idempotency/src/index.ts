/**
 * `@rampart/idempotency`: the `Idempotency-Key` header as the IETF httpapi draft defines it, with
 * Stripe's 24-hour replay: a retried request never runs twice, exactly under races, on memory,
 * Redis or Postgres. The adapters are `./express` and `./fastify`.
 */
export {
  IDEMPOTENCY_ERROR_CODES,
  inFlightError,
  keyInvalidError,
  keyMissingError,
  keyReusedError,
  responseNotKeptError,
} from './errors.js';
export { type FingerprintInput, recordKey, requestFingerprint } from './fingerprint.js';
export {
  createIdempotency,
  type Idempotency,
  type IdempotencyLease,
  type IdempotencyRouteOptions,
  type IdempotencyStart,
} from './idempotency.js';
export { idempotencyKeyOf, MAX_IDEMPOTENCY_KEY_LENGTH } from './key-header.js';
export type { IdempotencyOptions } from './options.js';
export {
  type CapturedResponse,
  DEFAULT_REPLAY_HEADERS,
  isKeptStatus,
  REPLAYED_HEADER,
  type ReplayResponse,
  type ResponseSealer,
} from './response.js';
export type {
  IdempotencyClaim,
  IdempotencyClaimResult,
  IdempotencyCompletion,
  IdempotencyLeaseRef,
  IdempotencyStore,
} from './store.js';
export { MemoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from './stores/memory.js';
