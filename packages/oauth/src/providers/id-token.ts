import type { Clock } from '@rampart/core';
import { constantTimeEqual } from '@rampart/crypto';
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { CallbackFailure } from '../errors.js';
import type { ProviderProfile } from '../profile.js';

/** Asymmetric algorithms only: an ID token signed with the client secret (HS256) is refused. */
const ID_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
/** Seconds of clock difference with the provider accepted on `exp`/`iat`. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** What an ID token is checked against. */
export interface IdTokenExpectations {
  readonly issuers: readonly string[];
  readonly clientId: string;
  readonly nonce: string;
  readonly keys: JWTVerifyGetKey;
  readonly clock: Clock;
}

/**
 * Verifies an ID token as OpenID Connect Core §3.1.3.7 asks: signature with the issuer's keys
 * (an unknown `kid` refetches the JWKS, so a key rotation is followed), `iss` one of the
 * issuer's spellings, `aud` containing the client id, `azp` equal to it when present (and
 * required with several audiences), `exp` in the future, `nonce` equal to the one this flow
 * sent (compared in constant time). The email counts only with `email_verified: true`.
 */
export async function verifyIdToken(
  idToken: string,
  expected: IdTokenExpectations,
): Promise<ProviderProfile> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, expected.keys, {
      issuer: [...expected.issuers],
      audience: expected.clientId,
      algorithms: ID_TOKEN_ALGORITHMS,
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate: new Date(expected.clock.now()),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch {
    throw new CallbackFailure('id-token-invalid');
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== expected.clientId) {
    throw new CallbackFailure('id-token-invalid');
  }
  const nonce = payload.nonce;
  if (typeof nonce !== 'string' || !constantTimeEqual(nonce, expected.nonce)) {
    throw new CallbackFailure('nonce-mismatch');
  }
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255) {
    throw new CallbackFailure('id-token-invalid');
  }
  const email = payload.email;
  const verifiedEmail =
    payload.email_verified === true && typeof email === 'string' && email.length <= 320
      ? email.toLowerCase()
      : undefined;
  return { subject, verifiedEmail };
}
