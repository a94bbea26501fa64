import type { RampartError } from '../errors/rampart-error.js';
import { missingHostError } from './problems.js';

/**
 * 400 `ERR_MALFORMED_REQUEST` for an HTTP/1.1 request without a `Host` header, the check Node
 * makes before any app code unless the server has `requireHostHeader: false`. Only HTTP/1.1, as
 * Node: HTTP/1.0 has no such rule. An empty `Host` is allowed (RFC 9112 permits it for a target
 * without an authority), and a repeated one is `findRepeatedSingleton`'s to refuse.
 *
 * @example
 * const refusal = checkHostHeader(req.httpVersion, req.rawHeaders);
 */
export function checkHostHeader(
  httpVersion: string,
  rawHeaders: readonly string[],
): RampartError | undefined {
  if (httpVersion !== '1.1') return undefined;
  // rawHeaders alternates names and values.
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === 'host') return undefined;
  }
  return missingHostError();
}
