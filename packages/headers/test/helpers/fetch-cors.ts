/**
 * The browser's side of CORS, written from the Fetch standard (https://fetch.spec.whatwg.org/,
 * "CORS check" §4.10, "CORS-preflight fetch" §4.8, "CORS-safelisted" definitions §2.2.2 and
 * §2.2.6). The tests run our servers' answers through it: what a browser would let through is
 * what these functions accept, nothing looser.
 */

/** Response headers as node:http gives them: lower-case names. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface CorsRequest {
  origin: string;
  /** `include` when the page sends cookies or HTTP auth (`fetch(url, { credentials: 'include' })`). */
  credentials: 'include' | 'same-origin';
}

export interface PreflightRequest extends CorsRequest {
  method: string;
  /** Names of the request headers the script sets. */
  headerNames: readonly string[];
}

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SAFELISTED_RESPONSE_HEADERS = [
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
];

/** A header's one value; two or more is a network error in every check that reads it. */
function single(headers: ResponseHeaders, name: string): string | undefined | 'MULTIPLE' {
  const value = headers[name];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : 'MULTIPLE';
  return value;
}

/** "Extracting header list values" for a comma-separated list; `null` on a parse failure. */
function listValues(headers: ResponseHeaders, name: string): string[] | null {
  const raw = headers[name];
  if (raw === undefined) return [];
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  const values = joined
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
  return values.every((value) => token.test(value)) ? values : null;
}

/** Fetch §4.10 "CORS check": may the response be shared with the request's origin? */
export function corsCheck(request: CorsRequest, headers: ResponseHeaders): boolean {
  const origin = single(headers, 'access-control-allow-origin');
  if (origin === undefined || origin === 'MULTIPLE') return false;
  if (request.credentials !== 'include' && origin === '*') return true;
  if (origin !== request.origin) return false;
  if (request.credentials !== 'include') return true;
  return single(headers, 'access-control-allow-credentials') === 'true';
}

/** The request headers that need the preflight's permission (not CORS-safelisted). */
function unsafeHeaderNames(names: readonly string[]): string[] {
  // Accept, Accept-Language, Content-Language are safelisted (for simple values); Content-Type
  // only for the three form types, so a JSON Content-Type needs permission.
  const safelisted = new Set(['accept', 'accept-language', 'content-language']);
  return names.map((name) => name.toLowerCase()).filter((name) => !safelisted.has(name));
}

/** Fetch §4.8 "CORS-preflight fetch", steps after the response: does the preflight pass? */
export function preflightCheck(
  request: PreflightRequest,
  status: number,
  headers: ResponseHeaders,
): boolean {
  if (status < 200 || status > 299) return false;
  if (!corsCheck(request, headers)) return false;
  let methods = listValues(headers, 'access-control-allow-methods');
  const headerNames = listValues(headers, 'access-control-allow-headers');
  if (methods === null || headerNames === null) return false;
  if (methods.length === 0) methods = [request.method];
  const credentialed = request.credentials === 'include';
  if (
    !methods.includes(request.method) &&
    !SAFELISTED_METHODS.has(request.method) &&
    (credentialed || !methods.includes('*'))
  ) {
    return false;
  }
  const allowed = new Set(headerNames.map((name) => name.toLowerCase()));
  for (const name of unsafeHeaderNames(request.headerNames)) {
    if (allowed.has(name)) continue;
    // `*` never covers Authorization, and covers nothing with credentials.
    if (!credentialed && allowed.has('*') && name !== 'authorization') continue;
    return false;
  }
  return true;
}

/** The response header names a script may read after a successful CORS check (Fetch §3.2.3). */
export function readableHeaderNames(request: CorsRequest, headers: ResponseHeaders): Set<string> {
  const readable = new Set(SAFELISTED_RESPONSE_HEADERS);
  const exposed = listValues(headers, 'access-control-expose-headers') ?? [];
  for (const name of exposed) {
    if (name === '*' && request.credentials !== 'include') {
      for (const any of Object.keys(headers)) readable.add(any);
    } else readable.add(name.toLowerCase());
  }
  return readable;
}

/**
 * HTTP caching (RFC 9111 §4.1) with CORS: an answer whose CORS headers depend on `Origin` must say
 * so in `Vary`, or a cache may serve one origin's answer to another.
 */
export function variesOnOrigin(headers: ResponseHeaders): boolean {
  const vary = headers.vary;
  const joined = Array.isArray(vary) ? vary.join(',') : (vary ?? '');
  return joined
    .split(',')
    .map((field) => field.trim().toLowerCase())
    .some((field) => field === 'origin' || field === '*');
}
