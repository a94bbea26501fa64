import { type HeaderRecord, headerValues } from '@rampart/core';
import { keyInvalidError } from './errors.js';

/** The request header that carries the key, as Node's header records name it (lower case). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** The longest key, in characters once unescaped (EXAMPLE-API.md, and Stripe's limit). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * An RFC 8941 sf-string of visible ASCII only (no space: a key is an identifier), with the only
 * two escapes the format has, `\"` and `\\`, and nothing after the closing quote (parameters are
 * refused: the draft defines none, and ignoring them would let two spellings name one key).
 */
const SF_STRING = /^"(?:[\x21\x23-\x5b\x5d-\x7e]|\\["\\])+"$/;
/** One escape of an sf-string: a backslash before `"` or `\`. */
const ESCAPE = /\\(["\\])/g;
/** The longest header value that can hold a key of the maximum length: every character escaped. */
const MAX_HEADER_LENGTH = 2 + 2 * MAX_IDEMPOTENCY_KEY_LENGTH;

/**
 * The key of a request's `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header: an
 * Item Structured Header whose value is a String), unescaped; `undefined` when the header is
 * absent. Throws 400 `ERR_IDEMPOTENCY_KEY_INVALID` for a header sent twice, over the length cap
 * (checked before the pattern), not a quoted string, with parameters, or with a key outside
 * 1 to 255 visible ASCII characters.
 *
 * @example
 * idempotencyKeyOf({ 'idempotency-key': '"a\\"b"' }); // 'a"b'
 */
export function idempotencyKeyOf(headers: HeaderRecord): string | undefined {
  const values = headerValues(headers, IDEMPOTENCY_KEY_HEADER);
  if (values.length === 0) return undefined;
  if (values.length > 1) throw keyInvalidError();
  const value = values[0] as string;
  if (value.length > MAX_HEADER_LENGTH) throw keyInvalidError();
  if (!SF_STRING.test(value)) throw keyInvalidError();
  const quoted = value.slice(1, -1);
  // Most keys have no escape: they are the quoted text as it is.
  const key = quoted.includes('\\') ? quoted.replace(ESCAPE, '$1') : quoted;
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw keyInvalidError();
  return key;
}
