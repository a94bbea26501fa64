/**
 * The flow cookie's name. `__Host-`: the browser accepts it only from a secure origin, for the
 * whole host (`Path=/`, no `Domain`), so no subdomain or plain-HTTP page can plant one.
 */
export function flowCookieName(secure: boolean): string {
  return secure ? '__Host-rampart-oauth' : 'rampart-oauth';
}

/**
 * The `Set-Cookie` value of a flow: `HttpOnly` (no script reads it), `SameSite=Lax` (sent on the
 * provider's top-level redirect back, not on cross-site subrequests), `Max-Age` the flow's life.
 */
export function flowCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  secure: boolean,
): string {
  const attributes = [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The value of cookie `name` in a `Cookie` header, or `undefined` (also when sent twice). */
export function readCookie(
  header: string | string[] | undefined,
  name: string,
): string | undefined {
  if (header === undefined) return undefined;
  const joined = Array.isArray(header) ? header.join('; ') : header;
  let found: string | undefined;
  for (const pair of joined.split(';')) {
    const at = pair.indexOf('=');
    if (at === -1 || pair.slice(0, at).trim() !== name) continue;
    // Two cookies of the name (one planted by a sibling host): trust neither.
    if (found !== undefined) return undefined;
    found = pair.slice(at + 1).trim();
  }
  return found;
}
