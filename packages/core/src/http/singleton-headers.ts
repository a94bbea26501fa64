import type { RampartError } from '../errors/rampart-error.js';
import { repeatedHeaderError } from './problems.js';

/**
 * Request headers refused when sent more than once, whatever the values. Each is a single value by
 * its specification, and two copies let two readers see two requests: Node keeps the first `Host`,
 * `Content-Length`, `Content-Type` and `Authorization` and silently drops the rest (a proxy or a
 * second parser may read the last), and joins two `X-Api-Key` values into one `"a, b"`.
 *
 * - `host`: which site the request is for (RFC 9112 §3.2: more than one is a 400).
 * - `content-length`: the body's framing (Node's parser refuses a repeat first; kept for servers
 *   run with a lenient parser).
 * - `content-type`: which parser reads the body.
 * - `authorization`, `x-api-key`: who is asking.
 *
 * Not listed: `Cookie`. HTTP/2 sends each cookie as its own field (RFC 9113 §8.2.3) and Node
 * joins repeats with `; `, so several `Cookie` fields are one well-defined list; a cookie *name*
 * sent twice is the ambiguity, and the package that reads that cookie refuses it. List headers
 * (`Accept`, `X-Forwarded-For`, `Transfer-Encoding` …) are not listed either: repeats of those
 * combine by definition. A package that reads any other header as one value refuses repeats
 * itself (`singleHeader`).
 */
export const SINGLETON_HEADERS: readonly string[] = Object.freeze([
  'host',
  'content-length',
  'content-type',
  'authorization',
  'x-api-key',
]);

/** Each singleton header's bit in the `seen` mask: no allocation per request beyond lower-casing. */
const SINGLETON_BITS: ReadonlyMap<string, number> = new Map(
  SINGLETON_HEADERS.map((name, index) => [name, 1 << index]),
);

/**
 * The refusal for a request whose raw headers (Node's `rawHeaders`: name, value, name, value …)
 * carry one of `SINGLETON_HEADERS` more than once, in any letter case: 400 `ERR_HEADER_REPEATED`
 * naming the first repeated header. `undefined` when there is none.
 *
 * @example
 * findRepeatedSingleton(['Content-Type', 'application/json', 'content-type', 'text/plain'])?.code;
 * // 'ERR_HEADER_REPEATED'
 */
export function findRepeatedSingleton(rawHeaders: readonly string[]): RampartError | undefined {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const bit = SINGLETON_BITS.get(name);
    if (bit === undefined) continue;
    if ((seen & bit) !== 0) return repeatedHeaderError(name);
    seen |= bit;
  }
  return undefined;
}
