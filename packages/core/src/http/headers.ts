import { repeatedHeaderError } from './problems.js';

/** Request headers as `SecurityRequest` holds them: lower-case names, repeats kept as arrays. */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>;

/** An RFC 9110 token (§5.6.2): header names, media type and parameter names. */
export const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Builds the header record of a request from Node's `rawHeaders` (name, value, name, value …).
 * `IncomingMessage.headers` silently keeps the first of two `Authorization` or `Content-Type`
 * headers and joins others with `, `; a security check must see that a header was repeated, so
 * each repeat stays a separate array element, in the order received. The record has no
 * prototype, so a header named `__proto__` is just a header.
 *
 * @example
 * headersFromRaw(req.rawHeaders)['x-nonce']; // 'abc' or ['abc', 'def'] when sent twice
 */
export function headersFromRaw(rawHeaders: readonly string[]): HeaderRecord {
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (typeof existing === 'string') headers[name] = [existing, value];
    else existing.push(value);
  }
  return headers;
}

/** Every value of header `name` (lower case), in the order received; `[]` when absent. */
export function headerValues(headers: HeaderRecord, name: string): readonly string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/**
 * The value of a header that must be sent at most once (`Authorization`, `X-Nonce` …), or
 * `undefined` when absent. Sent twice it is ambiguous (which one did the signer mean?), so it is
 * refused with a 400 `RampartError` (`ERR_HEADER_REPEATED`).
 */
export function singleHeader(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  if (value.length === 1) return value[0];
  throw repeatedHeaderError(name);
}
