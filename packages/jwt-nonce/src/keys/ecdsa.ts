/** Order n of the P-256 group: an ES256 signature is (r, s) with 0 < r, s < n. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

function readScalar(bytes: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let i = offset; i < offset + 32; i++) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

/**
 * True when the `s` half of a 64-byte IEEE P1363 ES256 signature is in the lower half of the
 * group order. ECDSA accepts both (r, s) and (r, n − s) for the same message; insisting on low
 * `s` makes every token have exactly one valid signature, so no second string of a token exists
 * that a cache, a log or a deny-list keyed by the token string could miss.
 */
export function isLowS(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const s = readScalar(signature, 32);
  return s > 0n && s <= HALF_ORDER;
}

/**
 * Returns the low-`s` form of a 64-byte ES256 signature: (r, n − s) when `s` is high, else the
 * signature itself. Both verify; tokens are issued in the low form only.
 */
export function toLowS(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw new RangeError('an ES256 signature has 64 bytes');
  const s = readScalar(signature, 32);
  if (s <= HALF_ORDER) return signature;
  return withS(signature, P256_ORDER - s);
}

/** The same signature with its `s` replaced: what an attacker does to malleate one. */
export function withS(signature: Uint8Array, s: bigint): Uint8Array {
  const out = Uint8Array.from(signature);
  let rest = s;
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** (r, n − s): the malleated twin of a valid ES256 signature, for tests and audits. */
export function malleateEs256Signature(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw new RangeError('an ES256 signature has 64 bytes');
  return withS(signature, P256_ORDER - readScalar(signature, 32));
}
