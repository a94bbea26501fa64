import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import {
  createStoreDeadline,
  hashTag,
  type RedisScanClient,
  type RedisScriptClient,
  redisKey,
  redisStoreOptionsShape,
  type StoreDeadline,
  scanKeysWithPrefix,
} from '@rampart/core/redis';
import { z } from 'zod';
import {
  assertClaim,
  assertCompletion,
  assertLeaseRef,
  assertUserId,
  type IdempotencyClaim,
  type IdempotencyClaimResult,
  type IdempotencyCompletion,
  type IdempotencyLeaseRef,
  type IdempotencyStore,
} from '../store.js';
import { claimScript, completeScript, releaseScript } from './redis-scripts.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the store calls, typed structurally so this
 * package never imports ioredis.
 */
export interface RedisIdempotencyStoreClient extends RedisScriptClient, RedisScanClient {
  del(...keys: string[]): Promise<number>;
}

/** Options of {@link RedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions {
  /**
   * The application's ioredis instance; Rampart neither connects nor closes it. Prefer
   * `enableOfflineQueue: false` so an outage fails fast (503) instead of queueing commands.
   */
  redis: RedisIdempotencyStoreClient;
  /** Prepended to every key; default `rampart:idempotency:`. */
  keyPrefix?: string;
  /** How long an operation may wait before it fails with `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
  /**
   * Where "now" comes from; default the system clock. Leases and kept responses expire by this
   * clock (the scripts compare it), so app servers sharing the Redis keep their clocks in sync.
   */
  clock?: Clock;
}

const optionsSchema = z.strictObject({
  ...redisStoreOptionsShape<RedisIdempotencyStoreClient>({
    prefix: 'idempotency',
    methods: ['evalsha', 'eval', 'scan', 'del'],
    commandTimeoutMs: 1000,
  }),
  clock: clockSchema.optional(),
});

const STORE = 'redis-idempotency-store';
/**
 * How long Redis keeps a key past its expiry by the app's clock: expiry is decided by that
 * clock, and a server clock a little ahead of it must not delete a record that is still live.
 */
const REMOVAL_MARGIN_MS = 60_000;
const EPOCH_MS = /^\d{1,16}$/;

/** Reads a claim script's reply; Redis holds only what the scripts wrote. */
function claimResult(reply: unknown, now: number): IdempotencyClaimResult {
  if (!Array.isArray(reply)) throw new TypeError('unexpected claim reply');
  const [outcome, value] = reply as unknown[];
  if (outcome === 'acquired' || outcome === 'mismatch') return { outcome };
  if (outcome === 'completed' && typeof value === 'string') return { outcome, response: value };
  if (outcome === 'in-flight' && typeof value === 'string' && EPOCH_MS.test(value)) {
    return { outcome, retryAfterMs: Math.max(1, Number(value) - now) };
  }
  throw new TypeError('unexpected claim reply');
}

function wasDone(reply: unknown): boolean {
  return reply === 1;
}

/**
 * An `IdempotencyStore` on Redis. A claim is one `EVALSHA` (read the record, take it when free),
 * a completion another, a replay one claim: atomic on the server, so exactly one of any number of
 * racing requests runs, across every process that shares the Redis. Keys are
 * `<prefix>{<userId>}:r:<record key>`, each a hash; a user's keys share its hash tag, so
 * `purgeUser` finds them with one SCAN pattern, and every script touches one key (Cluster-safe).
 *
 * @example
 * const store = new RedisIdempotencyStore({ redis: new Redis(url, { enableOfflineQueue: false }) });
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: RedisIdempotencyStoreClient;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisIdempotencyStoreOptions) {
    const parsed = parseOptions('RedisIdempotencyStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#clock = parsed.clock ?? systemClock;
    this.#deadline = createStoreDeadline({ store: STORE, timeoutMs: parsed.commandTimeoutMs });
  }

  /** See `IdempotencyStore.claim`. */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaimResult> {
    let args: string[];
    let now: number;
    try {
      assertClaim(claim);
      now = this.#clock.now();
      const expiresAt = now + claim.leaseMs;
      args = [
        claim.fingerprint,
        claim.leaseId,
        String(now),
        String(expiresAt),
        String(claim.leaseMs + REMOVAL_MARGIN_MS),
      ];
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.#recordKey(claim);
    return this.#deadline.run(
      () => claimScript.run(this.#redis, [key], args),
      (reply) => claimResult(reply, now),
    );
  }

  /** See `IdempotencyStore.complete`. */
  complete(completion: IdempotencyCompletion): Promise<boolean> {
    let args: string[];
    try {
      assertCompletion(completion);
      const now = this.#clock.now();
      args = [
        completion.leaseId,
        String(now),
        completion.response,
        String(now + completion.retentionMs),
        String(completion.retentionMs + REMOVAL_MARGIN_MS),
      ];
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.#recordKey(completion);
    return this.#deadline.run(() => completeScript.run(this.#redis, [key], args), wasDone);
  }

  /** See `IdempotencyStore.release`. */
  release(lease: IdempotencyLeaseRef): Promise<boolean> {
    let args: string[];
    try {
      assertLeaseRef(lease);
      args = [lease.leaseId, String(this.#clock.now())];
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.#recordKey(lease);
    return this.#deadline.run(() => releaseScript.run(this.#redis, [key], args), wasDone);
  }

  /** Deletes every record of the user, found by SCAN of its hash-tagged prefix (every master of a Cluster). */
  async purgeUser(userId: string): Promise<void> {
    assertUserId(userId);
    // Every key of the user carries its hash tag: one slot, so one DEL per batch is Cluster-safe.
    await scanKeysWithPrefix(
      this.#redis,
      redisKey(this.#prefix, hashTag(userId), ''),
      async (keys) => {
        await this.#deadline.run(() => this.#redis.del(...keys));
      },
      (command) => this.#deadline.run(command),
    );
  }

  #recordKey(ref: { key: string; userId: string }): string {
    return redisKey(this.#prefix, hashTag(ref.userId), 'r', ref.key);
  }
}
