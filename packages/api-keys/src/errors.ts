import { RampartError } from '@rampart/core';
import { RATE_LIMIT_EXCEEDED } from '@rampart/rate-limit';
import type { ApiKeyRateLimitOutcome } from './store.js';

/** The stable codes of this package's refusals. */
export const API_KEY_ERROR_CODES = Object.freeze({
  invalid: 'ERR_API_KEY_INVALID',
  expired: 'ERR_API_KEY_EXPIRED',
  disabled: 'ERR_API_KEY_DISABLED',
  insufficientScope: 'ERR_INSUFFICIENT_SCOPE',
  rateLimited: RATE_LIMIT_EXCEEDED,
  notFound: 'ERR_API_KEY_NOT_FOUND',
  conflict: 'ERR_API_KEY_CONFLICT',
} as const);

/** One of {@link API_KEY_ERROR_CODES}. */
export type ApiKeyErrorCode = (typeof API_KEY_ERROR_CODES)[keyof typeof API_KEY_ERROR_CODES];

/**
 * Why a key was refused as invalid. Never sent to the client (all get one answer, so a guesser
 * learns nothing); carried as the `reason` of the event.
 */
export type InvalidApiKeyReason = 'malformed' | 'unknown' | 'mismatch' | 'revoked';

const CHALLENGE = { 'WWW-Authenticate': 'ApiKey' } as const;

/** 401 `ERR_API_KEY_INVALID`: malformed, bad checksum, unknown id, wrong secret or revoked. */
export class InvalidApiKeyError extends RampartError {
  override readonly name = 'RampartError';
  /** What failed; for logs and events only. */
  readonly reason: InvalidApiKeyReason;

  constructor(reason: InvalidApiKeyReason) {
    super({
      status: 401,
      code: API_KEY_ERROR_CODES.invalid,
      title: 'Unauthorized',
      detail: 'The API key is not valid. Send a current key in the X-API-Key header.',
      headers: CHALLENGE,
    });
    this.reason = reason;
  }
}

/** 401 `ERR_API_KEY_EXPIRED`: the right key, past its expiry. */
export class ExpiredApiKeyError extends RampartError {
  override readonly name = 'RampartError';

  constructor() {
    super({
      status: 401,
      code: API_KEY_ERROR_CODES.expired,
      title: 'Unauthorized',
      detail: 'The API key has expired. Create a new key.',
      headers: CHALLENGE,
    });
  }
}

/** 401 `ERR_API_KEY_DISABLED`: the right key, switched off by its owner. */
export class DisabledApiKeyError extends RampartError {
  override readonly name = 'RampartError';

  constructor() {
    super({
      status: 401,
      code: API_KEY_ERROR_CODES.disabled,
      title: 'Unauthorized',
      detail: 'The API key is disabled. Enable it again or use another key.',
      headers: CHALLENGE,
    });
  }
}

/** 403 `ERR_INSUFFICIENT_SCOPE`: a valid key whose scopes do not grant what the route needs. */
export class InsufficientScopeError extends RampartError {
  override readonly name = 'RampartError';
  /** The scopes the route needs that the key lacks. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    super({
      status: 403,
      code: API_KEY_ERROR_CODES.insufficientScope,
      title: 'Forbidden',
      detail: `The API key lacks the scope ${missing.join(', ')} this route needs. Use a key with it.`,
      extensions: { missingScopes: [...missing] },
    });
    this.missing = missing;
  }
}

/** The name of the per-key policy in headers and problems, and of the pre-auth failure bucket. */
export const KEY_POLICY_NAME = 'api-key';
export const FAILURE_POLICY_NAME = 'api-key-failures';

/** Seconds, rounded up, at least 1: what `Retry-After` says. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * 429 `ERR_RATE_LIMIT_EXCEEDED` (rate-limit's code) with `Retry-After`: a valid key over its own
 * limit (`policy: "api-key"`), or a client address over its budget of failed guesses
 * (`policy: "api-key-failures"`). Never a 401: the client is told to wait, not that its key is bad.
 */
export class ApiKeyRateLimitedError extends RampartError {
  override readonly name = 'RampartError';
  readonly policy: string;
  readonly retryAfterMs: number;
  /**
   * The counter that refused: the key's own (`policy: "api-key"`) or the client address's failed
   * guesses (`policy: "api-key-failures"`), for the headers (`apiKeyRateLimitDecision`).
   */
  readonly rateLimit: ApiKeyRateLimitOutcome | undefined;

  constructor(
    policy: string,
    retryAfterMs: number,
    headers: Record<string, string> = {},
    rateLimit?: ApiKeyRateLimitOutcome,
  ) {
    const retryAfter = retryAfterSeconds(retryAfterMs);
    super({
      status: 429,
      code: API_KEY_ERROR_CODES.rateLimited,
      title: 'Too many requests',
      detail: `The rate limit "${policy}" is exhausted. Retry after ${retryAfter} seconds.`,
      headers: { ...headers, 'Retry-After': String(retryAfter) },
      extensions: { policy, retryAfter },
    });
    this.policy = policy;
    this.retryAfterMs = retryAfterMs;
    this.rateLimit = rateLimit;
  }
}

/** 404 `ERR_API_KEY_NOT_FOUND`: no key of this id belongs to the caller (or it is revoked). */
export function apiKeyNotFoundError(): RampartError {
  return new RampartError({
    status: 404,
    code: API_KEY_ERROR_CODES.notFound,
    title: 'Not found',
    detail: 'No active API key with this id belongs to you. List your keys to find its id.',
  });
}

/** 409 `ERR_API_KEY_CONFLICT`: the key changed meanwhile (another rotation won). */
export function apiKeyConflictError(): RampartError {
  return new RampartError({
    status: 409,
    code: API_KEY_ERROR_CODES.conflict,
    title: 'Conflict',
    detail: 'The API key was changed by another request meanwhile. Read it again and retry.',
  });
}
