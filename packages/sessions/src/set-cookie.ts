import { HTTP_TOKEN_PATTERN } from './cookie-name.js';

/** RFC 6265 §4.1.1 cookie-octet, as {@link serializeSetCookie} accepts a value. */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;
/** A path attribute: starts with `/`, printable ASCII without `;`. */
const COOKIE_PATH = /^\/[\x20-\x3a\x3c-\x7e]*$/;

/** The attributes of one `Set-Cookie`. */
export interface SetCookieAttributes {
  /** Seconds until the browser drops it; `0` deletes it now. Omit for a browser-session cookie. */
  readonly maxAgeSeconds?: number;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: 'Strict' | 'Lax' | 'None';
}

/**
 * One `Set-Cookie` header value. Strict, because a header the server writes wrongly is a bug
 * worth a crash at once: a name that is not an RFC 9110 token, a value outside cookie-octet, a
 * bad path or Max-Age, `__Host-` without `Secure` and `Path=/`, `__Secure-` without `Secure`,
 * or `SameSite=None` without `Secure` all throw a `TypeError`. No `Domain` attribute: a cookie
 * that only the host that set it receives cannot be tossed by a sibling subdomain.
 *
 * @example
 * serializeSetCookie('__Host-sid', token, { path: '/', secure: true, httpOnly: true, sameSite: 'Lax', maxAgeSeconds: 43200 });
 * // '__Host-sid=…; Path=/; Max-Age=43200; Secure; HttpOnly; SameSite=Lax'
 */
export function serializeSetCookie(
  name: string,
  value: string,
  attributes: SetCookieAttributes,
): string {
  const { maxAgeSeconds, path, secure, httpOnly, sameSite } = attributes;
  if (!HTTP_TOKEN_PATTERN.test(name))
    throw new TypeError(`Set-Cookie: invalid cookie name ${JSON.stringify(name)}`);
  if (!COOKIE_VALUE.test(value))
    throw new TypeError(`Set-Cookie: the value of ${name} has characters a cookie may not hold`);
  if (!COOKIE_PATH.test(path))
    throw new TypeError(`Set-Cookie: invalid path ${JSON.stringify(path)}`);
  if (maxAgeSeconds !== undefined && !(Number.isSafeInteger(maxAgeSeconds) && maxAgeSeconds >= 0)) {
    throw new TypeError('Set-Cookie: Max-Age must be a whole number of seconds, at least 0');
  }
  if (name.startsWith('__Host-') && (!secure || path !== '/')) {
    throw new TypeError('Set-Cookie: a __Host- cookie needs Secure and Path=/');
  }
  if ((name.startsWith('__Secure-') || sameSite === 'None') && !secure) {
    throw new TypeError(`Set-Cookie: ${name} needs Secure`);
  }
  let header = `${name}=${value}; Path=${path}`;
  if (maxAgeSeconds !== undefined) header += `; Max-Age=${maxAgeSeconds}`;
  if (secure) header += '; Secure';
  if (httpOnly) header += '; HttpOnly';
  return `${header}; SameSite=${sameSite}`;
}
