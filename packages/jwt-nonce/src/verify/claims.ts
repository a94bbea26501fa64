import type { Principal } from '@rampart/core';
import type { InvalidTokenReason } from '../errors.js';
import type { JsonObject } from './json.js';

/** The two kinds of token; each is refused where the other is expected. */
export type TokenKind = 'access' | 'refresh';

/** 128 random bits as unpadded base64url: 22 characters, the last carrying 2 bits (A, Q, g or w). */
export const TOKEN_ID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;
const MAX_SUBJECT_LENGTH = 256;

/** The claims every verified token carries. */
export interface VerifiedClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** The refresh family (login session) the token belongs to. */
  readonly fam: string;
  readonly token_use: TokenKind;
  /** Every claim of the payload, the application's own included. */
  readonly payload: Readonly<JsonObject>;
}

/**
 * Verified claims with the principal they name: what `verifyAccessToken` returns as `JwtAuth`,
 * built as one frozen object rather than copied again with the principal added.
 */
export interface VerifiedToken extends VerifiedClaims {
  readonly principal: Principal;
}

/** What the claims are checked against. */
export interface ClaimRules {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** Longest `exp − iat` accepted for each kind, in seconds. */
  maxLifetimeSeconds: Readonly<Record<TokenKind, number>>;
}

function audienceMatches(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  return Array.isArray(aud) && aud.includes(audience);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Checks the claims of a payload whose signature is already verified: issuer, audience, the
 * required `sub`, `jti`, `fam`, `token_use`, `iat`, `exp`, times against `nowSeconds` with the
 * clock tolerance (expired, not yet valid, issued in the future), and the longest lifetime.
 * Returns the reason it fails, or the typed claims.
 */
export function checkClaims(
  payload: JsonObject,
  kind: TokenKind,
  rules: ClaimRules,
  nowSeconds: number,
): VerifiedToken | InvalidTokenReason {
  const { iss, sub, aud, iat, exp, nbf, jti, fam, token_use: tokenUse } = payload;
  if (iss !== rules.issuer) return 'issuer';
  if (!audienceMatches(aud, rules.audience)) return 'audience';
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    return 'claims';
  }
  if (typeof jti !== 'string' || !TOKEN_ID_PATTERN.test(jti)) return 'claims';
  if (typeof fam !== 'string' || !TOKEN_ID_PATTERN.test(fam)) return 'claims';
  if (tokenUse !== kind) return 'type';
  if (!isNumericDate(iat) || !isNumericDate(exp)) return 'claims';
  if (nbf !== undefined && typeof nbf !== 'number') return 'claims';
  const tolerance = rules.clockToleranceSeconds;
  if (exp <= nowSeconds - tolerance) return 'expired';
  if (nbf !== undefined && nbf > nowSeconds + tolerance) return 'not-yet-valid';
  if (iat > nowSeconds + tolerance) return 'issued-in-future';
  if (exp - iat > rules.maxLifetimeSeconds[kind]) return 'lifetime';
  return Object.freeze({
    iss,
    sub,
    aud: aud as string | readonly string[],
    iat,
    exp,
    jti,
    fam,
    token_use: kind,
    payload: Object.freeze(payload),
    principal: Object.freeze({ id: sub, kind: 'user' as const }),
  });
}
