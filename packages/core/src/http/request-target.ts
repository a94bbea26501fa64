import type { RampartError } from '../errors/rampart-error.js';
import { invalidPathError } from './problems.js';

/**
 * The refusal an absolute-form request target (`GET http://host/path`, RFC 9112 §3.2.2) earns, or
 * `undefined`. Fastify's router takes the path of an absolute URL only when it is a valid `http`
 * or `https` URL with a host (and answers 400 otherwise), while Express reads the path out of
 * anything `url.parse` accepts (`http://host:99999/x`, `http:///x`, `ftp://host/x` reach its
 * routes), so a target Fastify would not route is refused on both with 400 `ERR_INVALID_PATH`.
 * An origin-form path (`/…`) and `*` cost one character comparison.
 *
 * @example
 * checkRequestTarget('/api/v1/me'); // undefined
 * checkRequestTarget('http://example.com:99999/api/v1/me')?.code; // 'ERR_INVALID_PATH'
 */
export function checkRequestTarget(url: string): RampartError | undefined {
  if (url.charCodeAt(0) === 0x2f || url === '*') return undefined;
  return isRoutableAbsoluteUrl(url) ? undefined : invalidPathError();
}

/** The rule of Fastify's router (find-my-way's `getPathFromAbsoluteUrl`), as a yes or no. */
function isRoutableAbsoluteUrl(url: string): boolean {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return false;
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return false;
  const authorityStart = schemeEnd + 3;
  const slash = url.indexOf('/', authorityStart);
  const query = url.indexOf('?', authorityStart);
  let authorityEnd = slash === -1 ? url.length : slash;
  if (query !== -1 && query < authorityEnd) authorityEnd = query;
  if (authorityEnd === authorityStart || url.includes('#', authorityStart)) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${scheme}:` && parsed.host.length > 0;
}
