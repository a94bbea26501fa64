import { randomBytes } from 'node:crypto';

/** Base62 digits in value order: `0–9`, `A–Z`, `a–z`. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** log2(62): the entropy of one uniformly random base62 character, ≈ 5.954 bits. */
export const BITS_PER_BASE62_CHARACTER = Math.log2(62);

/** Random bytes below this (4 · 62) map to a character; the rest are drawn again, so no bias. */
const ACCEPT_BELOW = 248;

/**
 * `length` characters drawn uniformly and independently from the base62 alphabet with the
 * CSPRNG (rejection sampling: a byte of 248 or more is discarded, about 3 in 100).
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Enough for the usual case in one draw: 3% of bytes are rejected, 8 spare cover it.
    const bytes = randomBytes(length - out.length + 8);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const byte = bytes[i] as number;
      if (byte < ACCEPT_BELOW) out += BASE62_ALPHABET[byte % 62];
    }
    bytes.fill(0);
  }
  return out;
}

/** The value of the base62 digit whose character code is `code`, or -1 for any other character. */
export function base62Digit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30; // 0-9: 0 to 9
  if (code >= 0x41 && code <= 0x5a) return code - 0x37; // A-Z: 10 to 35
  if (code >= 0x61 && code <= 0x7a) return code - 0x3d; // a-z: 36 to 61
  return -1;
}

/** Characters of a CRC32 in base62: 62^6 ≈ 5.7·10^10 > 2^32. */
export const CRC32_BASE62_LENGTH = 6;

/** A 32-bit unsigned value as exactly 6 base62 digits, most significant first, zero-padded. */
export function uint32ToBase62(value: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < CRC32_BASE62_LENGTH; i++) {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}
