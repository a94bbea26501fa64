import { headersFromRaw } from '@rampart/core';
import type { JwtAuth, JwtNonce } from '@rampart/jwt-nonce';

/** Who a request's bearer token names, or why it names nobody. */
export type Identification =
  | { readonly auth: JwtAuth; readonly failure?: undefined }
  | { readonly auth?: undefined; readonly failure: unknown };

/**
 * Verifies the bearer token without refusing yet. The entities routes count every request
 * against the caller's rate limit, a refused one too, so the limit needs to know who asks before
 * the guard answers 401: identify, limit (by principal, or by IP without one), then refuse.
 * Every `Authorization` value is passed on (from `rawHeaders`): two of them are refused, not
 * half-read.
 */
export async function identify(
  tokens: JwtNonce,
  rawHeaders: readonly string[],
): Promise<Identification> {
  try {
    return { auth: await tokens.authenticate(headersFromRaw(rawHeaders).authorization) };
  } catch (failure) {
    return { failure };
  }
}
