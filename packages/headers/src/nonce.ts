import { randomBytes } from 'node:crypto';

/** Bytes of a CSP nonce: 128 bits, as the CSP spec recommends, from the CSPRNG. */
const NONCE_BYTES = 16;

/**
 * A fresh CSP nonce (base64, 24 characters): one per response, never reused, never predictable.
 */
export function createNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}
