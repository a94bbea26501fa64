import { verify } from 'node:crypto';
import { decodeBase64url, macTextEquals } from '@rampart/core';
import { isLowS } from '../keys/ecdsa.js';
import type { AsymmetricRingKey, HmacRingKey, RingKey } from '../keys/key-ring.js';

/** How ES256 signatures are judged; see `JwtNonceOptions.es256Signatures`. */
export type Es256SignaturePolicy = 'low-s' | 'any';

const ED25519_SIGNATURE_BYTES = 64;
const ES256_SIGNATURE_BYTES = 64;

/** What the signature segment says, for the caller to tell a malformed token from a forged one. */
export type SignatureVerdict = 'valid' | 'invalid' | 'malformed';

/**
 * HS256: the MAC computed as base64url text and compared with the segment as received, in
 * constant time. No decoding of the segment: equal to our canonical encoding, it is canonical.
 * From the pre-padded key blocks (two one-shot hashes), not `createHmac`, which on Node 20 fetches
 * the MAC implementation again on every call: about 40 % of a verification.
 */
function verifyHs256(key: HmacRingKey, signingInput: string, segment: string): SignatureVerdict {
  if (macTextEquals(key.hmac.signBase64url(signingInput), segment)) return 'valid';
  // Only a mismatch is examined further: a malformed segment has cost the same HMAC.
  return decodeBase64url(segment) === undefined ? 'malformed' : 'invalid';
}

function verifyWithPublicKey(
  key: AsymmetricRingKey,
  signingInput: string,
  signature: Buffer,
  es256Policy: Es256SignaturePolicy,
): boolean {
  switch (key.alg) {
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

/**
 * Verifies a JWS signature with node:crypto and the key the `kid` named, whose algorithm the
 * header has already matched. `signingInput` is `header.payload` exactly as received and
 * `segment` the signature segment as received; the input's header and payload are already known
 * to be base64url, so its latin1 bytes are the bytes that were signed. `'malformed'` when the
 * segment is not canonical unpadded base64url (core's `decodeBase64url`). Lengths are checked first: OpenSSL would otherwise be
 * handed arbitrary bytes. ES256 signatures are the fixed 64-byte IEEE P1363 form JWS uses
 * (`dsaEncoding: 'ieee-p1363'`), never DER.
 */
export function verifySignature(
  key: RingKey,
  signingInput: string,
  segment: string,
  es256Policy: Es256SignaturePolicy,
): SignatureVerdict {
  if (key.alg === 'HS256') return verifyHs256(key, signingInput, segment);
  const signature = decodeBase64url(segment);
  if (signature === undefined) return 'malformed';
  return verifyWithPublicKey(key, signingInput, signature, es256Policy) ? 'valid' : 'invalid';
}
