/**
 * `@rampart/passwords`: argon2id hashing (OWASP parameters) with rehash checks and equal-cost
 * verification for unknown users, and a NIST SP 800-63B-style password policy.
 */
export {
  breachCheckUnavailableError,
  invalidPasswordError,
  passwordPolicyError,
  passwordTooLongError,
} from './errors.js';
export {
  createPasswordHasher,
  type PasswordHasher,
  type PasswordHasherOptions,
  type PasswordHasherParameters,
} from './hasher.js';
export { DEFAULT_MAX_PASSWORD_BYTES, normalizePassword } from './password-input.js';
export {
  COMPOSITION_PRESET,
  createPasswordPolicy,
  type PasswordContext,
  type PasswordPolicy,
  type PasswordPolicyOptions,
  type PasswordPolicyResult,
  type PasswordRule,
} from './policy.js';
