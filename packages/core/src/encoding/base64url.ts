/** Unpadded base64url (RFC 4648 §5): the alphabet, nothing else, no `=`. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The 6-bit value of each base64url character, by char code (other codes are never looked up). */
const SEXTETS = new Uint8Array(128);
for (let i = 0; i < 64; i++) {
  SEXTETS['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;
}

/**
 * The unused low bits of the last character, by length mod 4: 2 characters carry 1 byte (4
 * spare bits), 3 carry 2 bytes (2 spare bits); a length of 1 mod 4 encodes no whole byte.
 */
const UNUSED_BITS = [0, -1, 0x0f, 0x03] as const;

/**
 * Decodes canonical unpadded base64url, or returns `undefined` for anything else: a character
 * outside the alphabet, padding, a length of 1 mod 4, or non-zero unused bits in the last
 * character. So one byte string has exactly one accepted spelling.
 *
 * `Buffer.from(text, 'base64url')` (like `atob`) skips foreign characters, accepts padding and
 * ignores the unused bits, so `YR` and `YQ` both decode to `a`: a sealed value, token or
 * signature re-spelled that way would still be accepted, under a different string.
 *
 * @example
 * decodeBase64url('YQ'); // <Buffer 61>
 * decodeBase64url('YR'); // undefined (non-canonical)
 * decodeBase64url('YQ=='); // undefined (padded)
 */
export function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const unused = UNUSED_BITS[text.length & 3] as number;
  if (unused < 0) return undefined;
  if (unused !== 0 && ((SEXTETS[text.charCodeAt(text.length - 1)] as number) & unused) !== 0) {
    return undefined;
  }
  return Buffer.from(text, 'base64url');
}
