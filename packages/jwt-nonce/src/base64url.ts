/** Unpadded base64url: the only alphabet a JWS compact segment may use. */
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
 * Decodes a segment already known to hold only base64url characters (no padding), or returns
 * `undefined` when it is not the one canonical encoding of its bytes. Canonical means exactly:
 * the length is not 1 mod 4 (Buffer would drop the lone character) and the unused low bits of the
 * last character are zero (Buffer ignores them). The same answer as re-encoding the bytes and
 * comparing, without the second pass.
 */
export function decodeBase64urlChars(segment: string): Buffer | undefined {
  const unused = UNUSED_BITS[segment.length & 3] as number;
  if (unused < 0) return undefined;
  if (
    unused !== 0 &&
    ((SEXTETS[segment.charCodeAt(segment.length - 1)] as number) & unused) !== 0
  ) {
    return undefined;
  }
  return Buffer.from(segment, 'base64url');
}

/**
 * Decodes one JWS segment, or returns `undefined` when it is not canonical unpadded base64url.
 *
 * `Buffer.from(x, 'base64url')` (like `atob`) skips characters outside the alphabet, accepts
 * padding and ignores the unused low bits of the last character, so `YR` and `YQ` both decode
 * to `a`. A token whose signature segment is re-encoded that way would verify with a different
 * string: a malleated token. The pattern refuses foreign characters and padding, and
 * {@link decodeBase64urlChars} refuses any segment that is not the one encoding of its bytes.
 *
 * @example
 * decodeBase64urlSegment('YQ'); // <Buffer 61>
 * decodeBase64urlSegment('YR'); // undefined (non-canonical)
 */
export function decodeBase64urlSegment(segment: string): Buffer | undefined {
  return BASE64URL.test(segment) ? decodeBase64urlChars(segment) : undefined;
}

/**
 * Decodes a configured key or secret given as base64url (no padding), throwing `TypeError` on
 * anything else. For configuration, not for tokens.
 */
export function decodeBase64urlStrict(text: string): Buffer {
  const bytes = decodeBase64urlSegment(text);
  if (bytes === undefined || bytes.length === 0) {
    throw new TypeError('must be unpadded base64url');
  }
  return bytes;
}
