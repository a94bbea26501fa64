/**
 * The request headers a Rampart client sends: bearer tokens, API keys, idempotency keys and the
 * two request-signing schemes (Rampart's own and RFC 9421 HTTP Message Signatures). A browser
 * may send them cross-origin only when a preflight lists them.
 */
export const RAMPART_REQUEST_HEADERS: readonly string[] = Object.freeze([
  'Authorization',
  'Content-Type',
  'X-API-Key',
  'Idempotency-Key',
  'X-Key-Id',
  'X-Nonce',
  'X-Timestamp',
  'X-Signature',
  'Signature',
  'Signature-Input',
  'Content-Digest',
]);

/**
 * The response headers of `@rampart/rate-limit` (the IETF fields, the legacy `X-RateLimit-*`
 * trio and `Retry-After`): a script on another origin can read a response's headers only when
 * they are exposed, and a client that backs off needs these.
 */
export const RATE_LIMIT_HEADERS: readonly string[] = Object.freeze([
  'RateLimit',
  'RateLimit-Policy',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
]);

/** The methods a cross-origin script may use by default: every method an API route serves. */
export const DEFAULT_CORS_METHODS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
]);

/** How long a browser may reuse a preflight's answer, in seconds, by default (10 minutes). */
export const DEFAULT_PREFLIGHT_MAX_AGE_SECONDS = 600;
