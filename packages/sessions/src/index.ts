/**
 * `@rampart/sessions`: server-side sessions that survive a database leak (the store keys on the
 * SHA-256 of a 256-bit cookie token), cap themselves per user, time out when idle and absolutely,
 * and notice a stolen cookie through a drift-tolerant binding; trusted devices for
 * `@rampart/mfa`; a Fetch-Metadata CSRF check. The memory stores live here; Redis and Postgres
 * under `./redis` and `./postgres`.
 */
export type { IssuedSession, IssueOptions, Session, SessionInfo, Sessions } from './api.js';
export {
  type SessionAuthenticatorOptions,
  sessionAuthContext,
  sessionAuthenticator,
  sessionOf,
} from './authenticator.js';
export { type Fingerprint, fingerprintOf, networkOf } from './binding/fingerprint.js';
export {
  type BindingChange,
  type BindingOptions,
  type BindingOutcome,
  type BindingVerdict,
  type BindingWeights,
  DEFAULT_BINDING_WEIGHTS,
} from './binding/scorer.js';
export { MAX_COOKIE_HEADER_LENGTH, readCookie } from './cookie-header.js';
export { type CsrfCheck, type CsrfOptions, createCsrfCheck } from './csrf.js';
export {
  csrfError,
  InvalidSessionError,
  type InvalidSessionReason,
  SessionBindingError,
  SessionExpiredError,
  SessionLimitError,
  type SessionTimeout,
  sessionNotFoundError,
} from './errors.js';
export type { SessionCookieOptions, SessionsOptions } from './options.js';
export { createSessions } from './sessions.js';
export { type SetCookieAttributes, serializeSetCookie } from './set-cookie.js';
export type {
  CreateOutcome,
  SessionCap,
  SessionLookup,
  SessionRecord,
  SessionSighting,
  SessionStore,
  SessionTiming,
} from './store.js';
export { MemorySessionStore, type MemorySessionStoreOptions } from './stores/memory.js';
export {
  MemoryTrustedDeviceStore,
  type MemoryTrustedDeviceStoreOptions,
} from './stores/memory-trusted-devices.js';
export type { SessionRef } from './token.js';
export type { TrustedDeviceRecord, TrustedDeviceStore } from './trusted-device-store.js';
export {
  createTrustedDevices,
  type IssuedTrustedDevice,
  type TrustedDeviceInfo,
  type TrustedDevices,
  type TrustedDevicesOptions,
} from './trusted-devices.js';
