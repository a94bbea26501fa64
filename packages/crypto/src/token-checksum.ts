import { crc32 } from 'node:zlib';
import { base62Digit, CRC32_BASE62_LENGTH, uint32ToBase62 } from './base62.js';

/** Length of {@link tokenChecksum}'s answer: 6 base62 characters hold any CRC32. */
export const TOKEN_CHECKSUM_LENGTH = CRC32_BASE62_LENGTH;

/**
 * The checksum `randomToken` appends: CRC32 of `body` (as UTF-8) in 6 base62 characters. For a
 * token format whose fixed parts `parseToken` cannot express (a key id between the prefix and the
 * secret), checked on the hot path without resolving a format per call. Not a MAC: anyone can
 * compute it; it only catches typos and truncation before a store lookup.
 *
 * @example
 * const valid = tokenChecksum(text.slice(0, -TOKEN_CHECKSUM_LENGTH)) === text.slice(-TOKEN_CHECKSUM_LENGTH);
 */
export function tokenChecksum(body: string): string {
  return uint32ToBase62(crc32(body));
}

/**
 * True when `text` ends with {@link tokenChecksum} of what precedes it. The 6 characters are
 * decoded and compared with the CRC32 as a number (the same test: each value below 2^32 has one
 * 6-digit form), so no string is built per call: an API key is checked on every request.
 *
 * @example
 * if (!hasTokenChecksum(presented)) return refuse(); // before any store lookup
 */
export function hasTokenChecksum(text: string): boolean {
  const bodyEnd = text.length - TOKEN_CHECKSUM_LENGTH;
  if (bodyEnd < 0) return false;
  let value = 0;
  for (let i = bodyEnd; i < text.length; i++) {
    const digit = base62Digit(text.charCodeAt(i));
    if (digit < 0) return false;
    value = value * 62 + digit;
  }
  return value === crc32(text.slice(0, bodyEnd));
}
