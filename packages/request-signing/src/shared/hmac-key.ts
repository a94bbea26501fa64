import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  CONFIG_ERROR_CODES,
  decodeBase64url,
  HmacSha256Key,
  RampartConfigError,
} from '@rampart/core';

/** Shortest secret accepted: 32 bytes, the size of the HMAC-SHA256 output (RFC 2104 §3). */
export const MIN_SECRET_BYTES = 32;
/** Longest secret accepted; longer keys add nothing to HMAC-SHA256. */
export const MAX_SECRET_BYTES = 64;

export { HmacSha256Key };

/** What a secrets resolver may hand back for one secret. */
export type SigningSecret = KeyObject | Uint8Array | string;

const imported = new WeakMap<KeyObject, HmacSha256Key>();

function checkLength(bytes: number, option: string): void {
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RampartConfigError(
      option,
      `a signing secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} random bytes; got ${bytes}.`,
      bytes < MIN_SECRET_BYTES ? CONFIG_ERROR_CODES.secretTooShort : CONFIG_ERROR_CODES.outOfRange,
    );
  }
}

/**
 * Imports a signing secret: a `KeyObject` of type `secret`, the raw bytes, or their base64url
 * text (no padding), 32 to 64 bytes. A `KeyObject` is imported once and remembered, so a resolver
 * that returns the same `KeyObject`s costs no import per request. Throws `RampartConfigError`
 * (naming `option`) for anything else: a human passphrase is not a key.
 *
 * @example
 * const secret = importSigningSecret(process.env.SIGNING_SECRET!);
 */
export function importSigningSecret(secret: SigningSecret, option = 'secret'): HmacSha256Key {
  if (typeof secret === 'object' && secret !== null && 'symmetricKeySize' in secret) {
    const cached = imported.get(secret);
    if (cached) return cached;
    if (secret.type !== 'secret')
      throw new RampartConfigError(
        option,
        'must be a secret KeyObject.',
        CONFIG_ERROR_CODES.invalidType,
      );
    checkLength(secret.symmetricKeySize ?? 0, option);
    const key = new HmacSha256Key(secret);
    imported.set(secret, key);
    return key;
  }
  let bytes: Uint8Array | undefined;
  if (typeof secret === 'string') {
    bytes = decodeBase64url(secret);
    if (bytes === undefined) {
      throw new RampartConfigError(
        option,
        'a string secret must be base64url without padding.',
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
  } else if (secret instanceof Uint8Array) {
    bytes = secret;
  } else {
    throw new RampartConfigError(
      option,
      'must be a KeyObject, a Uint8Array or base64url text.',
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  checkLength(bytes.byteLength, option);
  const key = new HmacSha256Key(createSecretKey(bytes));
  imported.set(key.keyObject, key);
  return key;
}
