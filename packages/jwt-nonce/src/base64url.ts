/** Unpadded base64url: the only alphabet a JWS compact segment may use. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes one JWS segment, or returns `undefined` when it is not canonical unpadded base64url.
 *
 * `Buffer.from(x, 'base64url')` (like `atob`) skips characters outside the alphabet, accepts
 * padding and ignores the unused low bits of the last character, so `YR` and `YQ` both decode
 * to `a`. A token whose signature segment is re-encoded that way would verify with a different
 * string: a malleated token. The pattern refuses foreign characters and padding, and re-encoding
 * the bytes refuses any segment that is not the one encoding of its bytes.
 *
 * @example
 * decodeBase64urlSegment('YQ'); // <Buffer 61>
 * decodeBase64urlSegment('YR'); // undefined (non-canonical)
 */
export function decodeBase64urlSegment(segment: string): Buffer | undefined {
  // A length of 1 mod 4 encodes no whole byte; Buffer would drop the character silently.
  if (segment.length % 4 === 1 || !BASE64URL.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
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
