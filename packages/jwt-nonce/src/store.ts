import type { UserDataPurger } from '@rampart/core';
import type { TokenKind } from './verify/claims.js';

/**
 * Which token a store operation is about. Tokens are keyed by (`iss`, `jti`), never by the token
 * string, so a token re-encoded or re-signed in another valid form is the same token. `sub`
 * groups a user's state (and is the Redis Cluster hash tag); `family` is the login session.
 * A recorded token is bound to the `sub`, `family` and `kind` it was written for: presented with
 * any other, it is not that token (see `mismatched`).
 */
export interface TokenRef {
  readonly iss: string;
  readonly jti: string;
  readonly sub: string;
  readonly family: string;
  /** Access or refresh: an access token's id is no refresh token's, and the other way round. */
  readonly kind: TokenKind;
  /**
   * Until when the store must remember this token, epoch ms: its `exp` plus the clock tolerance,
   * after which no verifier accepts it anyway.
   */
  readonly expiresAt: number;
}

/** One issued token, as tracked mode records it. */
export interface TokenRecord extends TokenRef {
  /** When the server issued it, epoch ms (the per-user watermark is compared with this). */
  readonly issuedAt: number;
}

/**
 * The state of one token id: `active` (issued, usable), `spent` (a refresh token already
 * exchanged), `revoked`, `absent` (never recorded, or expired), or `mismatched`: recorded, but
 * for another `sub`, `family` or `kind` than the ones presented, so unknown to whoever presents
 * it (only the signing key can make such a token). A store that keys tokens by user (Redis) never
 * sees another user's id and answers `absent` when the `sub` differs.
 */
export type TokenStatus = 'active' | 'spent' | 'revoked' | 'absent' | 'mismatched';

/** Everything a verification needs from the store, read in one round trip. */
export interface TokenLookup {
  readonly status: TokenStatus;
  /** The recorded issue time, epoch ms; `undefined` when no record exists or it is `mismatched`. */
  readonly issuedAt: number | undefined;
  /** The token's family was revoked (logout, refresh reuse). */
  readonly familyRevoked: boolean;
  /** Tokens of this user issued at or before this epoch ms are dead (`revokeAllForUser`). */
  readonly userRevokedBefore: number | undefined;
}

/**
 * The outcome of spending a refresh token: `spent` by this caller (the one winner), `reused`
 * (it had been spent before, or by a concurrent caller), `invalid` (revoked, unknown, or not a
 * refresh token), or `mismatched` (recorded for another `sub`, `family` or `kind`: the record is
 * left as it was).
 */
export type SpendOutcome = 'spent' | 'reused' | 'invalid' | 'mismatched';

/** What {@link JwtNonceStore.spend} answers, with the same facts as a lookup. */
export interface SpendResult extends Omit<TokenLookup, 'status'> {
  readonly outcome: SpendOutcome;
}

/**
 * The state `@rampart/jwt-nonce` keeps. Every method is one atomic store operation (one round
 * trip on Redis and Postgres); `lookup` and `spend` also read the family and the user's
 * watermark in that same operation. Methods reject with `StoreUnavailableError` when the backend
 * cannot be reached in time and `StoreFullError` when a bounded store is full.
 *
 * Run `describeJwtNonceStoreConformance` from `@rampart/jwt-nonce/testing` on your own store.
 */
export interface JwtNonceStore extends UserDataPurger {
  /** Records issued tokens as `active` (tracked mode). Existing records are left alone. */
  record(records: readonly TokenRecord[]): Promise<void>;
  /**
   * The token's status, its family's revocation and its user's watermark. The record matches
   * only when `iss`, `jti`, `sub`, `family` and `kind` all equal the ones it was written with;
   * otherwise the status is `mismatched` (or `absent`, see {@link TokenStatus}).
   */
  lookup(ref: TokenRef): Promise<TokenLookup>;
  /**
   * Atomically turns an `active` refresh token into `spent`: exactly one of any number of
   * concurrent callers gets `spent`. With `requireRecord: false` (deny-list mode) an absent token
   * counts as active and a `spent` marker bound to `ref.sub`, `ref.family` and `refresh` is
   * written. A record of another `sub`, `family` or `kind` answers `mismatched` and is not
   * touched. Only refresh tokens are spent: a `ref.kind` of `access` answers `invalid` (after
   * `mismatched`) and writes nothing. Anything else answers `reused` (already spent) or `invalid`.
   */
  spend(ref: TokenRef, requireRecord: boolean): Promise<SpendResult>;
  /**
   * Marks the token revoked until `ref.expiresAt`, whether or not it was recorded. A record keeps
   * the `sub`, `family` and `kind` it was written with; a new marker is bound to the ref's.
   */
  revoke(ref: TokenRef): Promise<void>;
  /** Revokes every token of `family` until `expiresAt`. */
  revokeFamily(iss: string, sub: string, family: string, expiresAt: number): Promise<void>;
  /**
   * Kills every token of `watermark.sub` under `watermark.iss` issued at or before
   * `watermark.at` (epoch ms), remembered until `watermark.expiresAt`. The watermark only moves
   * forward.
   */
  revokeAllForUser(watermark: UserWatermark): Promise<void>;
  /**
   * Right to erasure (core's `UserDataPurger`): forgets every token record and revoked family of
   * `userId` (the tokens' `sub`), under every issuer. The watermarks stay, a user id and a time
   * each, so the forgotten tokens stay dead: raise it first (`revokeAllForUser`), as
   * `JwtNonce.purgeUser` does.
   */
  purgeUser(userId: string): Promise<void>;
}

/** A user's revocation watermark under one issuer; see {@link JwtNonceStore.revokeAllForUser}. */
export interface UserWatermark {
  readonly iss: string;
  readonly sub: string;
  /** Tokens issued at or before this epoch ms are dead. */
  readonly at: number;
  /** Until when the store remembers it, epoch ms: when the last of those tokens expires. */
  readonly expiresAt: number;
}

/** Longest `iss`, `sub`, `jti` or family a store accepts, in UTF-16 code units. */
export const MAX_REF_PART_LENGTH = 256;
