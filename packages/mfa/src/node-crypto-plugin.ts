import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@rampart/crypto';
import type { CryptoPlugin, HashAlgorithm } from 'otplib';

/**
 * otplib's `CryptoPlugin` on `node:crypto`: HMAC from OpenSSL instead of otplib's default, the
 * pure-JavaScript noble hashes, and the same constant-time comparison the rest of Rampart uses.
 * otplib still does everything else (counter encoding, dynamic truncation, digits).
 */
export const nodeCryptoPlugin: CryptoPlugin = Object.freeze({
  name: 'rampart-node-crypto',
  algorithms: Object.freeze(['sha1', 'sha256', 'sha512'] as const),
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return createHmac(algorithm, key).update(data).digest();
  },
  randomBytes(length: number): Uint8Array {
    return randomBytes(length);
  },
  constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
    if (typeof a === 'string' && typeof b === 'string') return constantTimeEqual(a, b);
    if (a instanceof Uint8Array && b instanceof Uint8Array) return constantTimeEqual(a, b);
    return false;
  },
});
