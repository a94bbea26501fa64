/** Loopback hosts: the only place an endpoint may be plain `http:` (a provider run by a test or on a laptop). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether `value` may be an endpoint of a provider: an absolute `https:` URL, or `http:` on a
 * loopback host. Codes, tokens and client secrets cross these; never in clear over a network.
 */
export function isSafeEndpoint(value: unknown): value is string {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}
