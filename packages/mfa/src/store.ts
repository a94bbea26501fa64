import type { UserDataPurger } from '@rampart/core';

/** When repeated wrong codes lock a user's MFA checks; the store applies it atomically. */
export interface LockoutPolicy {
  /** Wrong codes within `windowMs` that engage the lock. */
  readonly maxFailures: number;
  /** The window failures are counted in, from the first failure; ms. */
  readonly windowMs: number;
  /** How long the lock holds once engaged; ms. */
  readonly lockMs: number;
}

/** Everything an attempt tells the store: the policy and the caller's clock reading. */
export interface AttemptContext {
  readonly policy: LockoutPolicy;
  /** Epoch ms of the attempt (the service's clock, so every store agrees with its tests). */
  readonly now: number;
}

/**
 * A failure counted: `wrong` with the failures so far in the window, or `locked` when this one
 * engaged the lock (`lockedUntil` epoch ms).
 */
export type CountedFailure =
  | { readonly outcome: 'wrong'; readonly failures: number }
  | { readonly outcome: 'locked'; readonly lockedUntil: number; readonly engaged: true };

/** Refused without counting: the user was locked already. */
export interface LockedAnswer {
  readonly outcome: 'locked';
  readonly lockedUntil: number;
  readonly engaged: false;
}

/**
 * The answer to a TOTP attempt: `accepted` (the step was after the last one and is now the last),
 * `replayed` (at or before the last accepted step; not counted as a failure: replaying a known
 * code teaches an attacker nothing), a counted failure, `locked`, `not-enabled`, or `stale`:
 * the sealed secret the caller computed with is not the user's current one, which comes back so
 * the caller can compute again (nothing was counted or written).
 */
export type TotpAttemptResult =
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'replayed' }
  | CountedFailure
  | LockedAnswer
  | { readonly outcome: 'not-enabled' }
  | { readonly outcome: 'stale'; readonly secret: string };

/** The answer to a recovery-code attempt; `remaining` codes after this one was consumed. */
export type RecoveryAttemptResult =
  | { readonly outcome: 'accepted'; readonly remaining: number }
  | CountedFailure
  | LockedAnswer
  | { readonly outcome: 'not-enabled' };

/** A user's MFA state as one read returns it. Sealed texts only; never a secret in clear. */
export interface MfaUserState {
  /** The sealed secret of enabled MFA, or `undefined` when MFA is off. */
  readonly secret: string | undefined;
  /** The sealed secret of a setup not yet confirmed (unexpired), or `undefined`. */
  readonly pending: string | undefined;
  /** Unused recovery codes. */
  readonly recoveryCodesRemaining: number;
  /** Epoch ms the lock ends, when one holds at `now`. */
  readonly lockedUntil: number | undefined;
}

/** What enabling writes: the confirmed secret, the step its first code used, the code hashes. */
export interface EnableRecord {
  /** The pending sealed secret the code was checked against: enabling applies only if it is still the pending one. */
  readonly secret: string;
  /** The time step of the confirming code: it is the first "last accepted step". */
  readonly step: number;
  /** Keyed hashes of the recovery codes, one per code. */
  readonly recoveryCodeHashes: readonly string[];
}

/**
 * The state `@rampart/mfa` keeps per user: the sealed TOTP secret (pending, then enabled), the
 * last accepted time step, recovery-code hashes, the failure counter and lock, and challenge
 * tokens (by keyed hash). Every method is one atomic operation (one round trip on Redis and
 * Postgres); every attempt checks the lock, compares and writes in that same operation, so
 * concurrent requests from any number of processes see one order. Methods reject with
 * `StoreUnavailableError` when the backend cannot answer in time (fail closed) and
 * `StoreFullError` when a bounded store is full.
 *
 * Run `describeMfaStoreConformance` from `@rampart/mfa/testing` on your own store.
 */
export interface MfaStore extends UserDataPurger {
  /** The user's state at `now` (epoch ms). */
  read(userId: string, now: number): Promise<MfaUserState>;
  /**
   * Stores `secret` (sealed) as the user's pending setup until `expiresAt`, replacing any pending
   * one; answers `enabled` and writes nothing when MFA is already enabled.
   */
  setPending(
    userId: string,
    secret: string,
    expiresAt: number,
    now: number,
  ): Promise<'set' | 'enabled'>;
  /**
   * Turns the pending secret into the enabled one, atomically, only when MFA is off and the
   * pending secret (unexpired) is exactly `record.secret`; records `record.step` as the last
   * accepted step and replaces the recovery codes. `enabled` on success, `conflict` otherwise.
   */
  enable(userId: string, record: EnableRecord, now: number): Promise<'enabled' | 'conflict'>;
  /**
   * One TOTP attempt, atomically: refused when locked; `not-enabled` without a secret; `stale`
   * (with the current sealed secret) when `secret` is not it (`undefined` asks for it); then, with
   * a `step` (the code matched that step), accepted only when `step` is after the last accepted
   * step, which becomes `step`; without one (the code matched no step) a failure is counted.
   */
  attemptTotp(
    userId: string,
    attempt: { readonly secret: string | undefined; readonly step: number | undefined },
    context: AttemptContext,
  ): Promise<TotpAttemptResult>;
  /**
   * One recovery-code attempt, atomically: refused when locked; `not-enabled` without a secret;
   * otherwise the first of `hashes` (one code's hash under each pepper) found is removed and
   * `accepted`, or a failure is counted. A code is consumed once, whatever the concurrency.
   */
  attemptRecoveryCode(
    userId: string,
    hashes: readonly string[],
    context: AttemptContext,
  ): Promise<RecoveryAttemptResult>;
  /** Counts a failure that happened outside an attempt (a wrong code at enable); refused when locked. */
  recordFailure(userId: string, context: AttemptContext): Promise<CountedFailure | LockedAnswer>;
  /** Replaces the recovery codes of an enabled user; `false` (nothing written) when MFA is off. */
  replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<boolean>;
  /**
   * Turns MFA off: the secret, the pending setup, the last step and the recovery codes go; the
   * failure counter and lock stay. `false` when it was off already.
   */
  disable(userId: string): Promise<boolean>;
  /** Records a challenge token's hash for `userId` until `expiresAt` (epoch ms, `now` the caller's). */
  createChallenge(tokenHash: string, userId: string, expiresAt: number, now: number): Promise<void>;
  /** The user a live challenge belongs to, found by any of `tokenHashes`, or `undefined`. */
  findChallenge(tokenHashes: readonly string[], now: number): Promise<string | undefined>;
  /**
   * Removes the live challenge `tokenHash` of `userId`: `true` for exactly one caller; `false`
   * when it is gone, expired or another user's.
   */
  consumeChallenge(tokenHash: string, userId: string, now: number): Promise<boolean>;
  /** Right to erasure: every row or key of the user (state, codes, counters, challenges). */
  purgeUser(userId: string): Promise<void>;
}

/** Longest user id a store accepts, in UTF-16 code units. */
export const MAX_USER_ID_LENGTH = 256;
