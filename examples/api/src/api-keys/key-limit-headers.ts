import { ApiKeyRateLimitedError, apiKeyRateLimitDecision } from '@rampart/api-keys';
import type { AuthContext, Authenticator, SecurityRequest } from '@rampart/core';
import { type GetHeader, writeRateLimitHeaders } from '@rampart/rate-limit';

/** What the app's limiters send (EXAMPLE-API.md: the IETF fields, `X-RateLimit-*`, `Retry-After`). */
const HEADERS = Object.freeze({ standard: true, legacy: true, retryAfter: true });

/** The refusal's own: `ApiKeyRateLimitedError` adds `Retry-After` itself. */
const REFUSAL_HEADERS = Object.freeze({ ...HEADERS, retryAfter: false });

function setOnRecord(record: Record<string, string>, name: string, value: string): void {
  record[name] = value;
}

/**
 * Writes the key's own hourly limit into the rate-limit headers of a request an API key
 * authenticated (EXAMPLE-API.md: counted on every route the key authenticates, so every such
 * route is rate-limited). Merged by rate-limit's writer with a route limit's already on the
 * response (`get` reads them): `"api-key"` joins the `RateLimit-Policy` and `RateLimit` lists,
 * and `X-RateLimit-*` stay the tightest limit's. Nothing for another credential, or a key
 * without a limit.
 */
export function writeKeyLimitHeaders<T>(
  auth: AuthContext | undefined,
  target: T,
  set: (target: T, name: string, value: string) => unknown,
  get: GetHeader<T>,
): void {
  const key = apiKeyRateLimitDecision(auth);
  if (key !== undefined) writeRateLimitHeaders(key, HEADERS, target, set, get);
}

/**
 * The API-key authenticator, its 429s (a key over its own limit, `"api-key"`, or an address over
 * its budget of failed guesses, `"api-key-failures"`) carrying every header the app's limiters
 * send (the package's own refusals have no `X-RateLimit-*`), written by rate-limit's writer.
 * Framework-neutral: both apps' guards answer with the error's headers.
 */
export function withKeyLimitHeaders(authenticator: Authenticator): Authenticator {
  function withHeaders(error: unknown): never {
    const decision = apiKeyRateLimitDecision(undefined, error);
    if (decision === undefined) throw error;
    const headers: Record<string, string> = {};
    writeRateLimitHeaders(decision, REFUSAL_HEADERS, headers, setOnRecord);
    const refused = error as ApiKeyRateLimitedError;
    throw new ApiKeyRateLimitedError(
      refused.policy,
      refused.retryAfterMs,
      headers,
      refused.rateLimit,
    );
  }
  return Object.freeze({
    ...authenticator,
    authenticate(request: SecurityRequest) {
      return authenticator.authenticate(request)?.catch(withHeaders);
    },
  });
}
