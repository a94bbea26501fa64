import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { TAG_BYTES } from './sealed-text.js';

const ALGORITHM = 'aes-256-gcm';
/** Node checks the tag against this length on decipher: a shortened tag is never accepted. */
const GCM_OPTIONS = { authTagLength: TAG_BYTES } as const;

/** AES-256-GCM of `plaintext` under `key` and `iv`, authenticating `aad`: ciphertext || tag. */
export function gcmSeal(
  key: KeyObject,
  iv: Buffer,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Buffer {
  const cipher = createCipheriv(ALGORITHM, key, iv, GCM_OPTIONS);
  cipher.setAAD(aad);
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // GCM is a stream mode: final() adds no bytes, it computes the tag.
  return Buffer.concat([ciphertext, cipher.getAuthTag()], ciphertext.length + TAG_BYTES);
}

/**
 * Opens `body` (ciphertext || 16-byte tag) under `key`, `iv` and `aad`; `undefined` when the
 * tag does not verify, whatever the reason. The plaintext is only returned once the tag has
 * verified; bytes deciphered before that are wiped.
 */
export function gcmOpen(
  key: KeyObject,
  iv: Buffer,
  body: Buffer,
  aad: Uint8Array,
): Buffer | undefined {
  const split = body.length - TAG_BYTES;
  if (split < 0) return undefined;
  const decipher = createDecipheriv(ALGORITHM, key, iv, GCM_OPTIONS);
  decipher.setAAD(aad);
  decipher.setAuthTag(body.subarray(split));
  const plaintext = decipher.update(body.subarray(0, split));
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}
