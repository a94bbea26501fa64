import { randomBytes } from 'node:crypto';
import { ConfigError } from './config-error.js';

/** Bytes of every secret the app generates, and the least it accepts (DESIGN.md: 32). */
export const SECRET_BYTES = 32;
const MAX_SECRET_BYTES = 512;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A fresh random secret: base64url of 32 bytes. */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** A bootstrap password: 24 base64url characters (144 bits), easy to copy from a terminal. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A signing key id; not a secret, only unique. */
export function generateKeyId(): string {
  return `example-${randomBytes(9).toString('base64url')}`;
}

/**
 * Checks that `text` is canonical base64url of at least 32 bytes and returns it unchanged.
 * The pattern comes first because `Buffer.from(x, 'base64url')` skips junk silently.
 */
export function parseSecret(option: string, text: string, maxBytes = MAX_SECRET_BYTES): string {
  const what = `must be base64url (A-Z a-z 0-9 - _, no padding) of ${SECRET_BYTES} to ${maxBytes} random bytes`;
  if (!BASE64URL_PATTERN.test(text) || text.length > Math.ceil((maxBytes * 4) / 3)) {
    throw new ConfigError(option, what);
  }
  const bytes = Buffer.from(text, 'base64url');
  // Re-encoding catches a dangling character (length % 4 === 1) and non-zero trailing bits.
  if (bytes.toString('base64url') !== text)
    throw new ConfigError(option, `${what}; it is not canonical base64url`);
  if (bytes.length < SECRET_BYTES)
    throw new ConfigError(option, `${what}; it decodes to ${bytes.length} bytes`);
  return text;
}
