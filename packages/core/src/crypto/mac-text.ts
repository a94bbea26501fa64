/** Longest MAC text compared: 64 hex characters (SHA-256), or 86 of base64url (SHA-512). */
export const MAX_MAC_TEXT_LENGTH = 128;

/**
 * Compares a MAC computed as text (hex or base64url) with the text a client sent, in constant
 * time, without decoding either. False for texts of different lengths, or longer than
 * {@link MAX_MAC_TEXT_LENGTH}: a length says nothing about the secret.
 *
 * Constant time: every UTF-16 code unit of the two texts is XORed into one accumulator and the
 * loop never exits early, so the time depends on the length only, never on where (or whether)
 * they differ. Whole code units are compared, so U+0161 never passes for `a`, and a match proves
 * `received` is in the computed text's alphabet and canonical form. Why not `timingSafeEqual`:
 * its two `Buffer` writes and a call into C++ cost more than this loop over ≤ 128 characters,
 * and a MAC text is compared on every signed request and every API key.
 *
 * @example
 * if (!macTextEquals(key.signHex(message), request.headers['x-signature'])) refuse();
 */
export function macTextEquals(computed: string, received: string): boolean {
  const length = computed.length;
  if (received.length !== length || length > MAX_MAC_TEXT_LENGTH) return false;
  let difference = 0;
  for (let i = 0; i < length; i++) {
    difference |= computed.charCodeAt(i) ^ received.charCodeAt(i);
  }
  return difference === 0;
}
