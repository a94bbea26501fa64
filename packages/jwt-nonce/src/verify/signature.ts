import { timingSafeEqual, verify } from 'node:crypto';
import { isLowS } from '../keys/ecdsa.js';
import type { HmacRingKey, RingKey } from '../keys/key-ring.js';

/** How ES256 signatures are judged; see `JwtNonceOptions.es256Signatures`. */
export type Es256SignaturePolicy = 'low-s' | 'any';

const ED25519_SIGNATURE_BYTES = 64;
const ES256_SIGNATURE_BYTES = 64;
const HS256_SIGNATURE_BYTES = 32;

function verifyHs256(key: HmacRingKey, signingInput: string, signature: Buffer): boolean {
  if (signature.length !== HS256_SIGNATURE_BYTES) return false;
  // From the pre-padded key blocks (two one-shot hashes), not `createHmac`, which on Node 20
  // fetches the MAC implementation again on every call: about 40 % of a verification.
  return timingSafeEqual(key.hmac.sign(signingInput), signature);
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
      return verifyHs256(key, signingInput, signature);
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
