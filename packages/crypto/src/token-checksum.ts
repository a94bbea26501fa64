import { crc32 } from 'node:zlib';
import { CRC32_BASE62_LENGTH, uint32ToBase62 } from './base62.js';

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
