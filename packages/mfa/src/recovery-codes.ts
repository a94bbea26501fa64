import { randomBytes } from 'node:crypto';

/** How many codes one set holds. */
export const RECOVERY_CODE_COUNT = 10;

/** RFC 4648 base32, lower case: no 0/1/8/9, so no code mixes up O and 0 or I and 1. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * One recovery code, `xxxxx-xxxxx`: ten base32 characters of 5 random bits each (50 bits, from
 * 7 random bytes of which 50 bits are used), a dash in the middle for reading aloud.
 */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(7);
  // 56 random bits as a BigInt; the low 50 are read 5 at a time.
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let text = '';
  for (let index = 0; index < 10; index++) {
    if (index === 5) text += '-';
    text += ALPHABET[Number(bits & 31n)];
    bits >>= 5n;
  }
  return text;
}

/** A fresh set of {@link RECOVERY_CODE_COUNT} distinct codes. */
export function generateRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(generateRecoveryCode());
  return [...codes];
}
