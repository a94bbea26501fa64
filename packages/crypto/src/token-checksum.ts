import { crc32 } from 'node:zlib';
import { CRC32_BASE62_LENGTH, uint32ToBase62 } from './base62.js';

/** Length of {@link tokenChecksum}'s answer: 6 base62 characters hold any CRC32. */
export const TOKEN_CHECKSUM_LENGTH = CRC32_BASE62_LENGTH;

/** CRC-32 (IEEE, reflected, as zlib) of every byte value, for the table-driven loop below. */
const CRC_TABLE = new Int32Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  CRC_TABLE[byte] = crc;
}

/**
 * CRC32 of `body` as UTF-8. An ASCII body (every key and token a format produces) is summed
 * here, a character a byte: a call into zlib for a short string costs about 2.5 times the loop
 * (it converts the string first), and a key is checked on every request. Anything else goes to zlib.
 */
function crc32OfText(body: string): number {
  let crc = -1;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code > 0x7f) return crc32(body);
    crc = (CRC_TABLE[(crc ^ code) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ -1) >>> 0;
}

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
  return uint32ToBase62(crc32OfText(body));
}
