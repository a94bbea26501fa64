import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { generateJwtKey } from '../../src/index.js';
import type { AsymmetricKeyInput, HmacKeyInput } from '../../src/keys/key-ring.js';

/** The keys of a test ring, with the private material a forger (or the issuer) signs with. */
export interface TestRing {
  hs: HmacKeyInput & { secret: string };
  ed: AsymmetricKeyInput & { privateKey: JsonWebKey; publicKey: JsonWebKey };
  es: AsymmetricKeyInput & { privateKey: JsonWebKey; publicKey: JsonWebKey };
}

export function makeTestRing(): TestRing {
  return {
    hs: generateJwtKey('HS256', 'hs-1'),
    ed: generateJwtKey('EdDSA', 'ed-1'),
    es: generateJwtKey('ES256', 'es-1'),
  };
}

export const b64 = (value: Uint8Array | string) => Buffer.from(value).toString('base64url');
export const json = (value: unknown) => b64(JSON.stringify(value));

const privateKeys = new WeakMap<object, KeyObject>();
function privateOf(jwk: JsonWebKey): KeyObject {
  let key = privateKeys.get(jwk);
  if (key === undefined) {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
    privateKeys.set(jwk, key);
  }
  return key;
}

/** How to sign a forged token: with a ring key, with an HMAC over chosen bytes, or not at all. */
export type Signer =
  | { kind: 'ring'; key: TestRing[keyof TestRing] }
  | { kind: 'hmac'; secret: Uint8Array }
  | { kind: 'none' };

/** Signs `header.payload` (already encoded segments) as the signer says; returns the signature bytes. */
export function signSegments(encodedHead: string, signer: Signer): Buffer {
  const input = Buffer.from(encodedHead, 'latin1');
  if (signer.kind === 'none') return Buffer.alloc(0);
  if (signer.kind === 'hmac') return createHmac('sha256', signer.secret).update(input).digest();
  const key = signer.key;
  if (key.alg === 'HS256') {
    return createHmac('sha256', Buffer.from(key.secret, 'base64url')).update(input).digest();
  }
  const privateKey = privateOf(key.privateKey as JsonWebKey);
  if (key.alg === 'EdDSA') return sign(null, input, privateKey);
  return sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

/** A compact JWS of any header and payload, signed as told: the forger's tool. */
export function forge(header: unknown, payload: unknown, signer: Signer): string {
  const head = `${typeof header === 'string' ? header : json(header)}.${
    typeof payload === 'string' ? payload : json(payload)
  }`;
  return `${head}.${b64(signSegments(head, signer))}`;
}

/** The PEM of an asymmetric key's public half: the "secret" of the HS256 confusion attack. */
export function publicPem(key: AsymmetricKeyInput & { publicKey: JsonWebKey }): string {
  return createPublicKey({ key: key.publicKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

export const tokenId = () => randomBytes(16).toString('base64url');
