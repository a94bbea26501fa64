import { RampartError } from './errors/rampart-error.js';

/**
 * Remembers which nonces have been used, so a signed request or a one-time token is accepted
 * once. The only state `@rampart/request-signing` (and any one-time-use check) needs.
 */
export interface NonceStore {
  /**
   * Claims `nonce` within `scope` (a signing key id, a token family …) for `ttlMs`.
   *
   * Resolves `true` exactly once per (scope, nonce) while the TTL runs, however many callers race
   * (one atomic store operation), and `false` to every other caller in that time. After the TTL
   * the pair may be claimed again. Rejects with `StoreUnavailableError` when the backing store
   * cannot be reached in time, `StoreFullError` when a bounded store is full, and a 400
   * `RampartError` (`ERR_NONCE_INVALID`) for arguments outside the documented limits.
   */
  claim(scope: string, nonce: string, ttlMs: number): Promise<boolean>;
}

/** Longest scope a store accepts, in UTF-16 code units. */
export const MAX_NONCE_SCOPE_LENGTH = 256;
/** Longest nonce a store accepts, in UTF-16 code units. */
export const MAX_NONCE_LENGTH = 256;
/** Longest TTL a store accepts: 30 days. */
export const MAX_NONCE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

function invalidNonce(detail: string): RampartError {
  return new RampartError({ status: 400, code: 'ERR_NONCE_INVALID', title: 'Bad request', detail });
}

/**
 * The argument checks every `NonceStore` makes before touching its backend, so each store
 * refuses the same inputs: non-empty strings up to 256 characters, and a whole TTL from 1 ms to
 * 30 days.
 */
export function assertClaimArguments(scope: unknown, nonce: unknown, ttlMs: unknown): void {
  if (typeof scope !== 'string' || scope.length === 0 || scope.length > MAX_NONCE_SCOPE_LENGTH) {
    throw invalidNonce(`The nonce scope must be 1 to ${MAX_NONCE_SCOPE_LENGTH} characters.`);
  }
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH) {
    throw invalidNonce(`The nonce must be 1 to ${MAX_NONCE_LENGTH} characters.`);
  }
  if (
    !Number.isSafeInteger(ttlMs) ||
    (ttlMs as number) < 1 ||
    (ttlMs as number) > MAX_NONCE_TTL_MS
  ) {
    throw invalidNonce(
      `The nonce TTL must be a whole number of milliseconds from 1 to ${MAX_NONCE_TTL_MS}.`,
    );
  }
}

/**
 * The one key of a (scope, nonce) pair. The scope is length-prefixed so no two pairs share a key
 * (`("a:b", "c")` and `("a", "b:c")` differ).
 */
export function nonceKey(scope: string, nonce: string): string {
  return `${scope.length}:${scope}:${nonce}`;
}
