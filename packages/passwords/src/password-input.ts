import { invalidPasswordError, passwordTooLongError } from './errors.js';

/** Default byte cap of a password: argon2 hashes any length, so the cap is what bounds the work. */
export const DEFAULT_MAX_PASSWORD_BYTES = 1024;

/**
 * Throws 400 `ERR_PASSWORD_INVALID` unless `password` is a non-empty string of well-formed
 * Unicode: what the hasher and the policy both require before looking at it.
 */
export function assertPasswordText(password: unknown): asserts password is string {
  if (typeof password !== 'string' || password.length === 0) throw invalidPasswordError();
  // A lone surrogate has no UTF-8 form: hashed, it became U+FFFD, so passwords differing only
  // there were one password.
  if (!password.isWellFormed()) throw invalidPasswordError();
}

/**
 * Checks a password from a request and returns it NFKC-normalised (NIST SP 800-63B §3.1.1.2), so
 * the same password typed on another keyboard or OS (composed vs decomposed é, full-width
 * digits) hashes the same. The byte cap is checked on the raw string first, before the
 * normalisation or any hashing can be made to work on a huge input.
 */
export function normalizePassword(password: unknown, maxBytes: number): string {
  assertPasswordText(password);
  // Each UTF-16 unit is at most 3 UTF-8 bytes: a cheap bound before counting exactly.
  if (password.length > maxBytes || Buffer.byteLength(password, 'utf8') > maxBytes) {
    throw passwordTooLongError(maxBytes);
  }
  const normalized = password.normalize('NFKC');
  // NFKC can expand a string (e.g. U+FDFA becomes 18 characters); the cap holds after it too.
  if (Buffer.byteLength(normalized, 'utf8') > maxBytes) throw passwordTooLongError(maxBytes);
  return normalized;
}
