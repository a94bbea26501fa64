import type { RampartError } from '@rampart/core';
import type { ApiKeyErrorCode } from './errors.js';
import type { ApiKeyRateLimitOutcome } from './store.js';

/** A key that verified: who it authenticates, what it may do, and its counter. */
export interface VerifiedApiKey {
  readonly id: string;
  readonly ownerId: string;
  readonly environment: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number | undefined;
  readonly rotationDueAt: number | undefined;
  /** The client sent the key from before the last rotation, inside its grace period: tell it. */
  readonly usedPreviousKey: boolean;
  /** The key's own rate-limit counter after this request; `undefined` when the key has no limit. */
  readonly rateLimit: ApiKeyRateLimitOutcome | undefined;
}

/**
 * What `verify` answers: the key, or the refusal with its stable code and the `RampartError` to
 * send (401 `ERR_API_KEY_INVALID` / `ERR_API_KEY_EXPIRED` / `ERR_API_KEY_DISABLED`, 403
 * `ERR_INSUFFICIENT_SCOPE`, 429 `ERR_RATE_LIMIT_EXCEEDED` with `Retry-After`).
 */
export type ApiKeyVerification =
  | { readonly valid: true; readonly key: VerifiedApiKey }
  | {
      readonly valid: false;
      readonly code: ApiKeyErrorCode;
      readonly error: RampartError;
      /** The id the key named, when it was well-formed (not a secret). */
      readonly keyId: string | undefined;
      /**
       * The key's owner when its secret was right (revoked, expired, disabled, rate-limited, out
       * of scope); for the server's records, never for the client.
       */
      readonly ownerId: string | undefined;
    };

/** Options of one verification. */
export interface VerifyApiKeyOptions {
  /** The client's address: failed guesses are throttled per address (see `failureThrottle`). */
  ip?: string;
  /** Permissions the request needs; a key whose scopes do not grant each one is refused with 403. */
  scopes?: readonly string[];
}
