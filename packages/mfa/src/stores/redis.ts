import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  hashTag,
  type RedisScriptClient,
  redisKey,
  redisStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/redis';
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
import {
  attemptRecoveryScript,
  attemptTotpScript,
  consumeChallengeScript,
  disableScript,
  enableScript,
  readScript,
  recordFailureScript,
  replaceRecoveryScript,
  setPendingScript,
} from './redis-scripts.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the store calls, typed structurally so this
 * package never imports ioredis.
 */
export interface RedisMfaStoreClient extends RedisScriptClient {
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  sadd(key: string, ...members: string[]): Promise<number>;
  pexpire(key: string, ttlMs: number): Promise<number>;
  smembers(key: string): Promise<string[]>;
  del(...keys: string[]): Promise<number>;
}

/** Options of {@link RedisMfaStore}. */
export interface RedisMfaStoreOptions {
  /**
   * The application's ioredis instance; Rampart neither connects nor closes it. Prefer
   * `enableOfflineQueue: false` so an outage fails fast (503) instead of queueing commands.
   */
  redis: RedisMfaStoreClient;
  /** Prepended to every key; default `rampart:mfa:`. */
  keyPrefix?: string;
  /** How long an operation may wait before it fails with `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisMfaStoreClient>({
    prefix: 'mfa',
    methods: ['evalsha', 'eval', 'set', 'get', 'sadd', 'pexpire', 'smembers', 'del'],
    commandTimeoutMs: 1000,
  }),
);

const STORE = 'redis-mfa-store';
const DIGITS = /^\d{1,16}$/;

function epochMs(value: unknown): number {
  return typeof value === 'string' && DIGITS.test(value) ? Number(value) : 0;
}

/** [outcome, detail, engaged] of the lockout part of a script. */
function failureOrLock(reply: unknown[]): CountedFailure | LockedAnswer {
  if (reply[0] === 'wrong') return { outcome: 'wrong', failures: Number(reply[1]) };
  const lockedUntil = epochMs(reply[1]);
  return reply[2] === 1
    ? { outcome: 'locked', lockedUntil, engaged: true }
    : { outcome: 'locked', lockedUntil, engaged: false };
}

/**
 * An `MfaStore` on Redis. Every attempt is one `EVALSHA`: the lock, the secret's identity, the
 * replay guard (the last accepted step, advanced only forwards) and the failure count are read
 * and written in one script, so one code is accepted once across every process, and N wrong
 * codes engage the lock however they interleave. Each user's keys share the user's hash tag, so
 * it works on Redis Cluster. Secrets are stored sealed; recovery codes and challenge tokens as
 * keyed hashes.
 *
 * Keys: `<prefix>{<user>}:state|pending|recovery|challenges`, `<prefix>challenge:<hash>`.
 *
 * @example
 * const store = new RedisMfaStore({ redis: new Redis(url, { enableOfflineQueue: false }) });
 */
export class RedisMfaStore implements MfaStore {
  readonly #redis: RedisMfaStoreClient;
  readonly #prefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisMfaStoreOptions) {
    const parsed = parseOptions('RedisMfaStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({ store: STORE, timeoutMs: parsed.commandTimeoutMs });
  }

  async read(userId: string, now: number): Promise<MfaUserState> {
    const reply = (await this.#run(() =>
      readScript.run(this.#redis, this.#keys(userId, 'state', 'pending', 'recovery'), []),
    )) as unknown[];
    const secret = typeof reply[0] === 'string' ? reply[0] : undefined;
    const lockedUntil = epochMs(reply[3]);
    return {
      secret,
      pending: typeof reply[1] === 'string' ? reply[1] : undefined,
      recoveryCodesRemaining: secret === undefined ? 0 : Number(reply[2]),
      lockedUntil: lockedUntil > now ? lockedUntil : undefined,
    };
  }

  async setPending(
    userId: string,
    secret: string,
    expiresAt: number,
    now: number,
  ): Promise<'set' | 'enabled'> {
    return (await this.#run(() =>
      setPendingScript.run(this.#redis, this.#keys(userId, 'state', 'pending'), [
        secret,
        ttl(expiresAt, now),
      ]),
    )) as 'set' | 'enabled';
  }

  async enable(userId: string, record: EnableRecord): Promise<'enabled' | 'conflict'> {
    return (await this.#run(() =>
      enableScript.run(this.#redis, this.#keys(userId, 'state', 'pending', 'recovery'), [
        record.secret,
        record.step,
        ...record.recoveryCodeHashes,
      ]),
    )) as 'enabled' | 'conflict';
  }

  async attemptTotp(
    userId: string,
    attempt: { readonly secret: string | undefined; readonly step: number | undefined },
    context: AttemptContext,
  ): Promise<TotpAttemptResult> {
    const reply = (await this.#run(() =>
      attemptTotpScript.run(this.#redis, this.#keys(userId, 'state'), [
        ...lockoutArgs(context),
        attempt.secret ?? '',
        attempt.step ?? '',
      ]),
    )) as unknown[];
    switch (reply[0]) {
      case 'accepted':
        return { outcome: 'accepted' };
      case 'replayed':
        return { outcome: 'replayed' };
      case 'not-enabled':
        return { outcome: 'not-enabled' };
      case 'stale':
        return { outcome: 'stale', secret: String(reply[1]) };
      default:
        return failureOrLock(reply);
    }
  }

  async attemptRecoveryCode(
    userId: string,
    hashes: readonly string[],
    context: AttemptContext,
  ): Promise<RecoveryAttemptResult> {
    const reply = (await this.#run(() =>
      attemptRecoveryScript.run(this.#redis, this.#keys(userId, 'state', 'recovery'), [
        ...lockoutArgs(context),
        ...hashes,
      ]),
    )) as unknown[];
    if (reply[0] === 'accepted') return { outcome: 'accepted', remaining: Number(reply[1]) };
    if (reply[0] === 'not-enabled') return { outcome: 'not-enabled' };
    return failureOrLock(reply);
  }

  async recordFailure(
    userId: string,
    context: AttemptContext,
  ): Promise<CountedFailure | LockedAnswer> {
    const reply = (await this.#run(() =>
      recordFailureScript.run(this.#redis, this.#keys(userId, 'state'), lockoutArgs(context)),
    )) as unknown[];
    return failureOrLock(reply);
  }

  async replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<boolean> {
    const replaced = await this.#run(() =>
      replaceRecoveryScript.run(this.#redis, this.#keys(userId, 'state', 'recovery'), hashes),
    );
    return replaced === 1;
  }

  async disable(userId: string): Promise<boolean> {
    const was = await this.#run(() =>
      disableScript.run(this.#redis, this.#keys(userId, 'state', 'pending', 'recovery'), []),
    );
    return was === 1;
  }

  async createChallenge(
    tokenHash: string,
    userId: string,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    const ms = ttl(expiresAt, now);
    const [index] = this.#keys(userId, 'challenges');
    // Two slots (the challenge is found by its hash, the index by its user): two commands. The
    // index only serves purgeUser; a challenge without its index entry still expires.
    await this.#run(() =>
      Promise.all([
        this.#redis.set(this.#challengeKey(tokenHash), userId, 'PX', ms),
        this.#redis
          .sadd(index as string, tokenHash)
          .then(() => this.#redis.pexpire(index as string, ms)),
      ]),
    );
  }

  async findChallenge(tokenHashes: readonly string[]): Promise<string | undefined> {
    for (const hash of tokenHashes) {
      const userId = await this.#run(() => this.#redis.get(this.#challengeKey(hash)));
      if (userId !== null) return userId;
    }
    return undefined;
  }

  async consumeChallenge(tokenHash: string, userId: string): Promise<boolean> {
    const deleted = await this.#run(() =>
      consumeChallengeScript.run(this.#redis, [this.#challengeKey(tokenHash)], [userId]),
    );
    return deleted === 1;
  }

  /** Deletes the user's keys and live challenges. */
  async purgeUser(userId: string): Promise<void> {
    const [index] = this.#keys(userId, 'challenges');
    const challenges = await this.#run(() => this.#redis.smembers(index as string));
    // One DEL per challenge: each has its own slot on Cluster.
    await this.#run(() =>
      Promise.all(challenges.map((hash) => this.#redis.del(this.#challengeKey(hash)))),
    );
    // The user's keys share one slot: one DEL.
    await this.#run(() =>
      this.#redis.del(...this.#keys(userId, 'state', 'pending', 'recovery', 'challenges')),
    );
  }

  #keys(userId: string, ...names: string[]): string[] {
    const tag = hashTag(userId);
    return names.map((name) => redisKey(this.#prefix, tag, name));
  }

  #challengeKey(tokenHash: string): string {
    return redisKey(this.#prefix, 'challenge', tokenHash);
  }

  #run<T>(operation: () => PromiseLike<T>): Promise<T> {
    return this.#deadline.run(operation);
  }
}

function lockoutArgs({ now, policy }: AttemptContext): number[] {
  return [now, policy.maxFailures, policy.windowMs, policy.lockMs];
}

/** Milliseconds from `now` until `expiresAt`, at least 1 (PX refuses 0). */
function ttl(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil(expiresAt - now));
}
