import { randomBytes } from 'node:crypto';
import { decodeBase64url } from '@rampart/core';
import { type CryptoKey, SignJWT } from 'jose';
import { toLowS } from './keys/ecdsa.js';
import type { RingKey } from './keys/key-ring.js';
import type { TokenKind } from './verify/claims.js';
import { TOKEN_TYPES } from './verify/verifier.js';

/** Claims the package sets itself; an application claim of these names is refused. */
export const REGISTERED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'iat',
  'exp',
  'nbf',
  'jti',
  'fam',
  'token_use',
]);

/** 128 random bits, unpadded base64url (22 characters): a jti or a family id. */
export function randomTokenId(): string {
  return randomBytes(16).toString('base64url');
}

/** What one token is issued with. */
export interface TokenToSign {
  kind: TokenKind;
  issuer: string;
  audience: string;
  subject: string;
  jti: string;
  family: string;
  issuedAtSeconds: number;
  ttlSeconds: number;
  claims: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Signs a token with jose and the ring's signing key (a `CryptoKey` imported once). ES256
 * signatures come out of WebCrypto with a random `s`; the high ones are replaced by n − s so
 * every issued token passes the default `es256Signatures: 'low-s'` check.
 */
export async function signToken(key: RingKey, token: TokenToSign): Promise<string> {
  const signingKey = await (key.signingKey as () => Promise<CryptoKey>)();
  const compact = await new SignJWT({
    ...token.claims,
    token_use: token.kind,
    fam: token.family,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TOKEN_TYPES[token.kind] })
    .setIssuer(token.issuer)
    .setSubject(token.subject)
    .setAudience(token.audience)
    .setIssuedAt(token.issuedAtSeconds)
    .setExpirationTime(token.issuedAtSeconds + token.ttlSeconds)
    .setJti(token.jti)
    .sign(signingKey);
  if (key.alg !== 'ES256') return compact;
  const dot = compact.lastIndexOf('.');
  const signature = decodeBase64url(compact.slice(dot + 1)) as Buffer;
  return `${compact.slice(0, dot + 1)}${Buffer.from(toLowS(signature)).toString('base64url')}`;
}
