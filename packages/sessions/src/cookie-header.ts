import { malformedCookieError } from './errors.js';

/**
 * The longest `Cookie` header read, in characters. Browsers cap a cookie at 4096 bytes and Node
 * the whole header block at 16 KiB; a longer header is refused before it is split.
 */
export const MAX_COOKIE_HEADER_LENGTH = 8192;

/** RFC 6265 §4.1.1 cookie-octet: printable US-ASCII but space, `"`, `,`, `;` and `\`. */
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/** Spaces and tabs around a cookie pair (RFC 6265 §5.4 joins pairs with `; `). */
function trimWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

/**
 * The value of cookie `name` in a request's `Cookie` header(s), or `undefined` when it is not
 * there. Only the pairs named `name` are judged; other cookies (an analytics script's, a
 * framework's) are skipped whatever they hold, so their junk never locks a user out.
 *
 * Refused with 400 `ERR_COOKIE_MALFORMED`: a header over {@link MAX_COOKIE_HEADER_LENGTH}
 * characters; a value of `name` with characters outside RFC 6265's cookie-octet (optionally in
 * double quotes, which are removed); `name` sent twice with different values (which one would the
 * server trust? a cookie-tossing attacker counts on the answer). Several `Cookie` fields (HTTP/2
 * may split them) are read as one, joined with `; `. Nothing else is thrown, whatever the input.
 *
 * @example
 * readCookie(request.headers.cookie, '__Host-sid'); // 'abc…' | undefined
 */
export function readCookie(
  header: string | readonly string[] | undefined,
  name: string,
): string | undefined {
  if (header === undefined) return undefined;
  const text = typeof header === 'string' ? header : header.join('; ');
  if (text.length > MAX_COOKIE_HEADER_LENGTH) {
    throw malformedCookieError(
      `The Cookie header is longer than ${MAX_COOKIE_HEADER_LENGTH} characters. Clear this site's cookies.`,
    );
  }
  let found: string | undefined;
  for (const piece of text.split(';')) {
    const pair = trimWhitespace(piece);
    const equals = pair.indexOf('=');
    // A crumb without `=` has no name (RFC 6265 §5.2 would call it a nameless cookie): not ours.
    if (equals === -1 || pair.slice(0, equals) !== name) continue;
    let value = pair.slice(equals + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (!COOKIE_OCTETS.test(value)) {
      throw malformedCookieError(
        `The ${name} cookie holds characters a cookie value may not. Sign in again.`,
      );
    }
    if (found !== undefined && found !== value) {
      throw malformedCookieError(
        `The ${name} cookie was sent twice with different values. Clear this site's cookies and sign in again.`,
      );
    }
    found = value;
  }
  return found;
}
