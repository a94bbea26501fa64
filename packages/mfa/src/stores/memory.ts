import { parseOptions, StoreFullError } from '@rampart/core';
import { z } from 'zod';
import type {
  AttemptContext,
  CountedFailure,
  EnableRecord,
  LockedAnswer,
  MfaStore,
  MfaUserState,
  RecoveryAttemptResult,
  TotpAttemptResult,
} from '../store.js';
import { countFailure, type LockoutState } from './lockout.js';

/** Options of {@link MemoryMfaStore}. */
export interface MemoryMfaStoreOptions {
  /** Most users with MFA state, and most live challenges, held at once; default 100 000 each. */
  maxEntries?: number;
}

const optionsSchema = z.strictObject({
  maxEntries: z.number().int().min(1).default(100_000),
});

const STORE = 'memory-mfa-store';

interface UserRecord extends LockoutState {
  secret: string | undefined;
  pending: string | undefined;
  pendingExpiresAt: number;
  lastStep: number;
  recoveryHashes: Set<string>;
}

interface Challenge {
  readonly userId: string;
  readonly expiresAt: number;
}

/**
 * An `MfaStore` in this process's memory (the default): every method runs synchronously inside
 * one call, so each attempt is atomic against every other in the process. Bounded: a new user
 * beyond `maxEntries` is refused with `StoreFullError` rather than forgetting another user's
 * lock or replay guard. State dies with the process; use Redis or Postgres for more than one.
 *
 * @example
 * const mfa = createMfa({ store: new MemoryMfaStore(), issuer: 'Acme', keyRing, hasher });
 */
export class MemoryMfaStore implements MfaStore {
  readonly #maxEntries: number;
  readonly #users = new Map<string, UserRecord>();
  /** Challenges by token hash; expired ones are dropped when the map is full or looked up. */
  readonly #challenges = new Map<string, Challenge>();

  constructor(options: MemoryMfaStoreOptions = {}) {
    this.#maxEntries = parseOptions('MemoryMfaStore', optionsSchema, options).maxEntries;
  }

  async read(userId: string, now: number): Promise<MfaUserState> {
    const user = this.#users.get(userId);
    return {
      secret: user?.secret,
      pending: user !== undefined && user.pendingExpiresAt > now ? user.pending : undefined,
      recoveryCodesRemaining: user?.secret === undefined ? 0 : user.recoveryHashes.size,
      lockedUntil: user !== undefined && user.lockedUntil > now ? user.lockedUntil : undefined,
    };
  }

  async setPending(
    userId: string,
    secret: string,
    expiresAt: number,
    _now: number,
  ): Promise<'set' | 'enabled'> {
    const user = this.#userForWrite(userId);
    if (user.secret !== undefined) return 'enabled';
    user.pending = secret;
    user.pendingExpiresAt = expiresAt;
    return 'set';
  }

  async enable(userId: string, record: EnableRecord, now: number): Promise<'enabled' | 'conflict'> {
    const user = this.#users.get(userId);
    if (
      user === undefined ||
      user.secret !== undefined ||
      user.pending !== record.secret ||
      user.pendingExpiresAt <= now
    ) {
      return 'conflict';
    }
    user.secret = record.secret;
    user.pending = undefined;
    user.pendingExpiresAt = 0;
    user.lastStep = record.step;
    user.recoveryHashes = new Set(record.recoveryCodeHashes);
    return 'enabled';
  }

  async attemptTotp(
    userId: string,
    attempt: { readonly secret: string | undefined; readonly step: number | undefined },
    context: AttemptContext,
  ): Promise<TotpAttemptResult> {
    const user = this.#users.get(userId);
    if (user === undefined) return { outcome: 'not-enabled' };
    const locked = lockedAnswer(user, context.now);
    if (locked !== undefined) return locked;
    if (user.secret === undefined) return { outcome: 'not-enabled' };
    if (attempt.secret !== user.secret) return { outcome: 'stale', secret: user.secret };
    if (attempt.step === undefined) return countFailure(user, context);
    if (attempt.step <= user.lastStep) return { outcome: 'replayed' };
    user.lastStep = attempt.step;
    return { outcome: 'accepted' };
  }

  async attemptRecoveryCode(
    userId: string,
    hashes: readonly string[],
    context: AttemptContext,
  ): Promise<RecoveryAttemptResult> {
    const user = this.#users.get(userId);
    if (user === undefined) return { outcome: 'not-enabled' };
    const locked = lockedAnswer(user, context.now);
    if (locked !== undefined) return locked;
    if (user.secret === undefined) return { outcome: 'not-enabled' };
    for (const hash of hashes) {
      if (user.recoveryHashes.delete(hash)) {
        return { outcome: 'accepted', remaining: user.recoveryHashes.size };
      }
    }
    return countFailure(user, context);
  }

  async recordFailure(
    userId: string,
    context: AttemptContext,
  ): Promise<CountedFailure | LockedAnswer> {
    const user = this.#userForWrite(userId);
    return lockedAnswer(user, context.now) ?? countFailure(user, context);
  }

  async replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<boolean> {
    const user = this.#users.get(userId);
    if (user?.secret === undefined) return false;
    user.recoveryHashes = new Set(hashes);
    return true;
  }

  async disable(userId: string): Promise<boolean> {
    const user = this.#users.get(userId);
    if (user === undefined) return false;
    const wasEnabled = user.secret !== undefined;
    user.secret = undefined;
    user.pending = undefined;
    user.pendingExpiresAt = 0;
    user.lastStep = -1;
    user.recoveryHashes = new Set();
    return wasEnabled;
  }

  async createChallenge(
    tokenHash: string,
    userId: string,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    if (this.#challenges.size >= this.#maxEntries) {
      // Expired challenges are the only ones that may go; live ones are never dropped.
      for (const [hash, challenge] of this.#challenges) {
        if (challenge.expiresAt <= now) this.#challenges.delete(hash);
      }
      if (this.#challenges.size >= this.#maxEntries) {
        throw new StoreFullError(STORE, this.#maxEntries);
      }
    }
    this.#challenges.set(tokenHash, { userId, expiresAt });
  }

  async findChallenge(tokenHashes: readonly string[], now: number): Promise<string | undefined> {
    for (const hash of tokenHashes) {
      const challenge = this.#liveChallenge(hash, now);
      if (challenge !== undefined) return challenge.userId;
    }
    return undefined;
  }

  async consumeChallenge(tokenHash: string, userId: string, now: number): Promise<boolean> {
    if (this.#liveChallenge(tokenHash, now)?.userId !== userId) return false;
    this.#challenges.delete(tokenHash);
    return true;
  }

  async purgeUser(userId: string): Promise<void> {
    this.#users.delete(userId);
    for (const [hash, challenge] of this.#challenges) {
      if (challenge.userId === userId) this.#challenges.delete(hash);
    }
  }

  #liveChallenge(tokenHash: string, now: number): Challenge | undefined {
    const challenge = this.#challenges.get(tokenHash);
    if (challenge === undefined || challenge.expiresAt > now) return challenge;
    this.#challenges.delete(tokenHash);
    return undefined;
  }

  #userForWrite(userId: string): UserRecord {
    let user = this.#users.get(userId);
    if (user === undefined) {
      if (this.#users.size >= this.#maxEntries) throw new StoreFullError(STORE, this.#maxEntries);
      user = {
        secret: undefined,
        pending: undefined,
        pendingExpiresAt: 0,
        lastStep: -1,
        recoveryHashes: new Set(),
        failures: 0,
        windowEndsAt: 0,
        lockedUntil: 0,
      };
      this.#users.set(userId, user);
    }
    return user;
  }
}

function lockedAnswer(state: LockoutState, now: number): LockedAnswer | undefined {
  return state.lockedUntil > now
    ? { outcome: 'locked', lockedUntil: state.lockedUntil, engaged: false }
    : undefined;
}
