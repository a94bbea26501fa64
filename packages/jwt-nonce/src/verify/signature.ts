import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { isLowS } from '../keys/ecdsa.js';
import type { RingKey } from '../keys/key-ring.js';

/** How ES256 signatures are judged; see `JwtNonceOptions.es256Signatures`. */
export type Es256SignaturePolicy = 'low-s' | 'any';

const ED25519_SIGNATURE_BYTES = 64;
const ES256_SIGNATURE_BYTES = 64;
const HS256_SIGNATURE_BYTES = 32;

function verifyHs256(key: KeyObject, signingInput: string, signature: Buffer): boolean {
  if (signature.length !== HS256_SIGNATURE_BYTES) return false;
  // Hashed straight from the string: no intermediate Buffer of the signing input.
  const expected = createHmac('sha256', key).update(signingInput, 'latin1').digest();
  return timingSafeEqual(expected, signature);
}

/**
 * Verifies a JWS signature with node:crypto and the key the `kid` named, whose algorithm the
 * header has already matched. `signingInput` is `header.payload` exactly as received, already
 * checked to be ASCII, so its latin1 bytes are the bytes that were signed. Lengths are checked first: OpenSSL would otherwise be handed
 * arbitrary bytes. ES256 signatures are the fixed 64-byte IEEE P1363 form JWS uses
 * (`dsaEncoding: 'ieee-p1363'`), never DER.
 */
export function verifySignature(
  key: RingKey,
  signingInput: string,
  signature: Buffer,
  es256Policy: Es256SignaturePolicy,
): boolean {
  switch (key.alg) {
    case 'HS256':
      return verifyHs256(key.verifyKey, signingInput, signature);
    case 'EdDSA':
      return (
        signature.length === ED25519_SIGNATURE_BYTES &&
        verify(null, Buffer.from(signingInput, 'latin1'), key.verifyKey, signature)
      );
    case 'ES256':
      if (signature.length !== ES256_SIGNATURE_BYTES) return false;
      if (es256Policy === 'low-s' && !isLowS(signature)) return false;
      return verify(
        'sha256',
        Buffer.from(signingInput, 'latin1'),
        { key: key.verifyKey, dsaEncoding: 'ieee-p1363' },
        signature,
      );
  }
}
