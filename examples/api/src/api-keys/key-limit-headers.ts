import { ApiKeyRateLimitedError, apiKeyRateLimitDecision } from '@rampart/api-keys';
import type { AuthContext, Authenticator, SecurityRequest } from '@rampart/core';
import { type RateLimitDecision, writeRateLimitHeaders } from '@rampart/rate-limit';

/** What the app's limiters send (EXAMPLE-API.md: the IETF fields, `X-RateLimit-*`, `Retry-After`). */
const HEADERS = Object.freeze({ standard: true, legacy: true, retryAfter: true });

/** The refusal's own: `ApiKeyRateLimitedError` adds `Retry-After` itself. */
const REFUSAL_HEADERS = Object.freeze({ ...HEADERS, retryAfter: false });

function setOnRecord(record: Record<string, string>, name: string, value: string): void {
  record[name] = value;
}

/**
 * Of two decisions on one request, the one whose headers a client must obey, as rate-limit
 * picks among a limiter's policies: a refusal over an admission (the longer wait of two
 * refusals), else the least quota left; a tie keeps `a`.
 */
function moreRestrictive(a: RateLimitDecision, b: RateLimitDecision): RateLimitDecision {
  if (a.allowed !== b.allowed) return a.allowed ? b : a;
  if (!a.allowed) return b.retryAfterMs > a.retryAfterMs ? b : a;
  const left = (decision: RateLimitDecision) => decision.tightest?.remaining ?? Infinity;
  return left(b) < left(a) ? b : a;
}

/**
 * Writes the rate-limit headers of a request an API key authenticated: the key's own hourly
 * limit (EXAMPLE-API.md: counted on every route the key authenticates, so every such route is
 * rate-limited), or the route's own limit (`route`, e.g. the entities' 100 per minute) when that
 * one is more restrictive. Nothing for another credential, or a key without a limit.
 */
export function writeKeyLimitHeaders<T>(
  auth: AuthContext | undefined,
  route: RateLimitDecision | null | undefined,
  target: T,
  set: (target: T, name: string, value: string) => unknown,
): void {
  const key = apiKeyRateLimitDecision(auth);
  if (key === undefined) return;
  const decision = route == null || route.policies.length === 0 ? key : moreRestrictive(route, key);
  writeRateLimitHeaders(decision, HEADERS, target, set);
}

/**
 * The API-key authenticator, its refusal of a key over its own limit (429) carrying every header
 * the app's limiters send (the package's own refusal has no `X-RateLimit-*`), written by
 * rate-limit's writer. Framework-neutral: both apps' guards answer with the error's headers.
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
