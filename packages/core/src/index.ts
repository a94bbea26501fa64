/**
 * `@rampart/core`: the shared kernel of Rampart. Framework-neutral and driver-free: importing it
 * loads neither Express, Fastify, ioredis nor Kysely.
 */
export {
  type AddResult,
  BoundedExpiringMap,
  type BoundedExpiringMapOptions,
  type WhenFull,
} from './bounded-expiring-map.js';
export { type Clock, createFakeClock, type FakeClock, systemClock } from './clock.js';
export { parseOptions } from './config.js';
export {
  badRequest,
  internalError,
  StoreFullError,
  StoreUnavailableError,
} from './errors/common-errors.js';
export { RampartConfigError } from './errors/configuration-error.js';
export {
  isRampartError,
  PROBLEM_CONTENT_TYPE,
  type ProblemDocument,
  type ProblemExtensions,
  problemType,
  RampartError,
  type RampartErrorInit,
} from './errors/rampart-error.js';
export {
  emitEvent,
  SECURITY_EVENT_TYPES,
  type SecurityEvent,
  type SecurityEventHandler,
  type SecurityEventSeverity,
  type SecurityEventType,
} from './events.js';
export {
  assertClaimArguments,
  MAX_NONCE_LENGTH,
  MAX_NONCE_SCOPE_LENGTH,
  MAX_NONCE_TTL_MS,
  type NonceStore,
  nonceKey,
} from './nonce-store.js';
export type { Principal, SecurityRequest } from './request.js';
export { MemoryNonceStore, type MemoryNonceStoreOptions } from './stores/memory-nonce-store.js';
