import { type HeaderRecord, HTTP_TOKEN } from './headers.js';
import { unsupportedContentEncodingError, unsupportedMediaTypeError } from './problems.js';

/**
 * Which request bodies are JSON. `application/json` and the structured-syntax suffix
 * `application/*+json` (RFC 6839: `application/merge-patch+json`, `application/vnd.api+json`)
 * are; so is no other type. JSON is UTF-8 (RFC 8259 §8.1): a `charset` other than UTF-8 is refused
 * rather than decoded wrongly.
 */

/**
 * True when a `Content-Type` value names JSON in UTF-8. A header sent twice (an array) is
 * ambiguous and is not JSON. Never throws.
 *
 * @example
 * isJsonContentType('application/json; charset=utf-8'); // true
 * isJsonContentType('application/problem+json'); // true
 * isJsonContentType('text/plain'); // false
 * isJsonContentType('application/json; charset=utf-16'); // false
 */
export function isJsonContentType(value: string | readonly string[] | undefined): boolean {
  if (typeof value !== 'string' || value.length > 256) return false;
  const parts = value.split(';');
  const mediaType = (parts[0] as string).trim().toLowerCase();
  const slash = mediaType.indexOf('/');
  if (slash === -1) return false;
  const type = mediaType.slice(0, slash);
  const subtype = mediaType.slice(slash + 1);
  if (!HTTP_TOKEN.test(type) || !HTTP_TOKEN.test(subtype) || type !== 'application') return false;
  if (subtype !== 'json' && !(subtype.length > 5 && subtype.endsWith('+json'))) return false;

  for (let i = 1; i < parts.length; i++) {
    const parameter = (parts[i] as string).trim();
    // `application/json;` (a trailing semicolon) is common and harmless.
    if (parameter === '') continue;
    const equals = parameter.indexOf('=');
    if (equals < 1) return false;
    const name = parameter.slice(0, equals).trim().toLowerCase();
    if (!HTTP_TOKEN.test(name)) return false;
    if (name !== 'charset') continue;
    let charset = parameter
      .slice(equals + 1)
      .trim()
      .toLowerCase();
    if (charset.length >= 2 && charset.startsWith('"') && charset.endsWith('"')) {
      charset = charset.slice(1, -1);
    }
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
}

/**
 * Refuses a body the JSON parsers will not read, before it is read: a `Content-Encoding` other
 * than `identity`, or a `Transfer-Encoding` other than `chunked` (bodies are never inflated, so
 * no zip bombs), or a type that is not UTF-8 JSON.
 * Throws a 415 `RampartError` (`ERR_UNSUPPORTED_CONTENT_ENCODING`, `ERR_UNSUPPORTED_MEDIA_TYPE`).
 */
export function assertJsonBodyHeaders(headers: HeaderRecord): void {
  const encoding = headers['content-encoding'];
  if (
    encoding !== undefined &&
    (typeof encoding !== 'string' || encoding.trim().toLowerCase() !== 'identity')
  ) {
    throw unsupportedContentEncodingError();
  }
  // Node de-chunks a `gzip, chunked` body but never decodes the gzip, so the parser would read
  // the compressed bytes while a proxy that decodes transfer codings reads something else.
  const transfer = headers['transfer-encoding'];
  if (
    transfer !== undefined &&
    (typeof transfer !== 'string' || transfer.trim().toLowerCase() !== 'chunked')
  ) {
    throw unsupportedContentEncodingError();
  }
  if (!isJsonContentType(headers['content-type'])) throw unsupportedMediaTypeError();
}
