import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import type { AsymmetricKeyInput, HmacKeyInput } from './key-ring.js';

/**
 * Makes a fresh key for the ring: 32 random bytes for `HS256`, an Ed25519 pair for `EdDSA`, a
 * P-256 pair for `ES256`, as JWKs you can store in a secret manager.
 *
 * @example
 * const key = generateJwtKey('EdDSA', '2026-11');
 * const tokens = createJwtNonce({ issuer, audience, keys: [key] });
 */
export function generateJwtKey(alg: 'HS256', kid: string): HmacKeyInput & { secret: string };
export function generateJwtKey(
  alg: 'EdDSA' | 'ES256',
  kid: string,
): AsymmetricKeyInput & { privateKey: JsonWebKey; publicKey: JsonWebKey };
export function generateJwtKey(
  alg: 'HS256' | 'EdDSA' | 'ES256',
  kid: string,
): HmacKeyInput | AsymmetricKeyInput {
  if (alg === 'HS256') return { kid, alg, secret: randomBytes(32).toString('base64url') };
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    kid,
    alg,
    privateKey: pair.privateKey.export({ format: 'jwk' }),
    publicKey: pair.publicKey.export({ format: 'jwk' }),
  };
}
