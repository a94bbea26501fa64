import type { RampartError } from '../errors/rampart-error.js';
import { escapedPathCharacterError, invalidPathError } from './problems.js';

/**
 * Characters a path carries as themselves: RFC 3986's unreserved set (§2.3: "should not be
 * created" as escapes by URI producers; `encodeURIComponent` never escapes them) and the
 * sub-delims `! ' ( ) *`, which `encodeURIComponent` keeps too. Fastify's router decodes an escape
 * of any of them before matching (`/%6cogin` finds `/login`) while Express matches the path as
 * sent (no route), so a path spelling one as an escape is refused on both.
 */
const SENT_AS_ITSELF = /^[A-Za-z0-9\-._~!'()*]$/;

/** A percent-escape; the two hex digits are checked by this pattern before they are converted. */
const ESCAPE = /%([0-9A-Fa-f]{2})/g;

/**
 * The refusal a request target's path earns by its percent-encoding, or `undefined`: 400
 * `ERR_INVALID_PATH` when an escape is malformed (`/%zz`, `/%4`) or the escapes do not spell
 * UTF-8 (`/%ff`), and when it escapes a character sent as itself (`/api/%6cogin`,
 * `/%2e%2e/`). The query is not looked at. A path without `%` costs one `indexOf`.
 *
 * @example
 * checkPathEncoding('/api/v1/entities/a%20b/records'); // undefined: a space must be escaped
 * checkPathEncoding('/api/v1/auth/%6cogin')?.code; // 'ERR_INVALID_PATH'
 */
export function checkPathEncoding(url: string): RampartError | undefined {
  const first = url.indexOf('%');
  if (first === -1) return undefined;
  const end = pathEnd(url);
  if (first >= end) return undefined;

  const path = url.slice(0, end);
  try {
    // Fastify's router runs the same decoder over the path and answers 400 when it throws.
    decodeURIComponent(path);
  } catch {
    return invalidPathError();
  }
  for (const match of path.matchAll(ESCAPE)) {
    const character = String.fromCharCode(Number.parseInt(match[1] as string, 16));
    if (SENT_AS_ITSELF.test(character)) return escapedPathCharacterError();
  }
  return undefined;
}

/** Where the path of a request target ends: its `?`, or a `#` (which Node lets through). */
function pathEnd(url: string): number {
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  if (query === -1) return fragment === -1 ? url.length : fragment;
  return fragment === -1 || query < fragment ? query : fragment;
}
