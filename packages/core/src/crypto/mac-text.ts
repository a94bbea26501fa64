import { timingSafeEqual } from 'node:crypto';

/** Longest MAC text compared: 64 hex characters (SHA-256), or 86 of base64url (SHA-512). */
export const MAX_MAC_TEXT_LENGTH = 128;

/** Both texts side by side: one write fills them. */
const pair = Buffer.alloc(2 * MAX_MAC_TEXT_LENGTH);
/** Views of the two halves, by length: made once per length, as a view is an object per call. */
const firstHalves: Buffer[] = [];
const secondHalves: Buffer[] = [];

/**
 * Compares a MAC computed as text (hex or base64url) with the text a client sent, in constant
 * time, without decoding either: both are written as bytes in one call (each `Buffer#write` has
 * a fixed cost) and compared with `timingSafeEqual`. False for texts of different lengths, or
 * longer than {@link MAX_MAC_TEXT_LENGTH}: a length says nothing about the secret.
 *
 * A latin1 write keeps only a character's low byte, so once the bytes match the strings are
 * compared too: `received` need not have been checked for its characters, and U+0161 must not
 * pass for `a`. A match therefore also proves `received` is in the computed text's alphabet and
 * canonical form.
 *
 * @example
 * if (!macTextEquals(key.signHex(message), request.headers['x-signature'])) refuse();
 */
export function macTextEquals(computed: string, received: string): boolean {
  const length = computed.length;
  if (received.length !== length || length > MAX_MAC_TEXT_LENGTH) return false;
  pair.write(computed + received, 0, 'latin1');
  let ours = firstHalves[length];
  let theirs = secondHalves[length];
  if (ours === undefined || theirs === undefined) {
    ours = firstHalves[length] = pair.subarray(0, length);
    theirs = secondHalves[length] = pair.subarray(length, 2 * length);
  }
  return timingSafeEqual(ours, theirs) && computed === received;
}
