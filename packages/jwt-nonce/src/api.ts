import type { Principal, UserCredentialRevoker, UserDataPurger } from '@rampart/core';
import type { VerifiedClaims } from './verify/claims.js';

/** An access/refresh pair, shaped as an OAuth 2 token response. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Seconds until the refresh token expires. */
  refreshExpiresIn: number;
}

/**
 * A verified access token: its claims and the principal it names. `verifyAccessToken` returns it;
 * behind a route guard, `accessTokenOf(req.auth)` finds it (`req.auth` is core's `AuthContext`).
 */
export interface JwtAuth extends VerifiedClaims {
  readonly principal: Principal;
}

/**
 * What `revoke` needs to name a token: a verified token's claims have it. Without `token_use`
 * it names an access token (what `verifyAccessToken` returns); a revoked record keeps the kind
 * it was issued as either way.
 */
export type TokenIdentity = Pick<VerifiedClaims, 'iss' | 'jti' | 'sub' | 'fam' | 'exp'> &
  Partial<Pick<VerifiedClaims, 'token_use'>>;

/** Options of {@link JwtNonce.issue} and {@link JwtNonce.refresh}. */
export interface IssueOptions {
  /** Application claims (`role`, `scope` …) for both tokens; registered names are refused. */
  claims?: Readonly<Record<string, unknown>>;
}

/**
 * Access and refresh tokens with server-tracked ids. Create it with {@link createJwtNonce}. A
 * `UserDataPurger` and `UserCredentialRevoker` of core, so erasing or locking out a user composes
 * it with the other packages (`purgeUserData`, `revokeAllForUser`).
 */
export interface JwtNonce extends UserDataPurger, UserCredentialRevoker {
  /** Signs a new pair for `userId`, in a new family (a login). */
  issue(userId: string, options?: IssueOptions): Promise<TokenPair>;
  /** Verifies an access token and checks its jti, family and user in one store round trip. */
  verifyAccessToken(token: unknown): Promise<JwtAuth>;
  /** {@link verifyAccessToken} on the value(s) of an `Authorization: Bearer` header. */
  authenticate(authorization: string | readonly string[] | undefined): Promise<JwtAuth>;
  /**
   * Spends a refresh token (exactly once, atomically) and issues the next pair of its family.
   * A spent token presented again revokes the whole family and emits `TOKEN_REUSE`. Without
   * `claims` the new tokens keep the refresh token's application claims.
   */
  refresh(refreshToken: unknown, options?: IssueOptions): Promise<TokenPair>;
  /** Revokes one token by (iss, jti). */
  revoke(token: TokenIdentity): Promise<void>;
  /** Logout: revokes the access token and every token of its family. */
  logout(auth: TokenIdentity): Promise<void>;
  /** Logout everywhere: every token of the user issued until now dies; one store write. */
  revokeAllForUser(userId: string): Promise<void>;
  /** Right to erasure: forgets the user's token records, keeping only a revocation watermark. */
  purgeUser(userId: string): Promise<void>;
  /** The JWKS (`{ keys }`) of the ring's asymmetric public keys, for `/.well-known/jwks.json`. */
  jwks(): Promise<{ keys: Record<string, unknown>[] }>;
  /** The size cap of a token, for adapters that read it from a header. */
  readonly maxTokenBytes: number;
}
