/**
 * `@rampart/mfa`: TOTP whose codes are accepted once (an atomic replay guard), hashed
 * single-use recovery codes, a per-user lock every route shares, login challenges and trusted
 * devices, with secrets sealed by `@rampart/crypto`; the memory store. Redis and Postgres stores
 * are `@rampart/mfa/redis` and `@rampart/mfa/postgres`; step-up guards `./express`, `./fastify`.
 */

export type {
  Mfa,
  MfaChallenge,
  MfaSetup,
  MfaStatus,
  MfaVerification,
  VerifyCodeOptions,
} from './api.js';
export { type ParsedCode, parseCode } from './code-format.js';
export { codeRequiredError, type MfaFailureReason } from './errors.js';
export { createMfa, secretAad } from './mfa.js';
export type { MfaOptions } from './options.js';
export { RECOVERY_CODE_COUNT } from './recovery-codes.js';
export { checkRecentMfa } from './step-up.js';
export {
  type AttemptContext,
  type CountedFailure,
  type EnableRecord,
  type LockedAnswer,
  type LockoutPolicy,
  MAX_USER_ID_LENGTH,
  type MfaStore,
  type MfaUserState,
  type RecoveryAttemptResult,
  type TotpAttemptResult,
} from './store.js';
export { MemoryMfaStore, type MemoryMfaStoreOptions } from './stores/memory.js';
export type { TotpAlgorithm, TotpSettings } from './totp.js';
export type { TrustedDevices } from './trusted-devices.js';
