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
import type { PolicyOutcome } from '../algorithms/state.js';
import { rememberStoreRecord, type StoreRecord, storeRecordOf } from '../key-record.js';
import type {
  RateLimitAdjustment,
  RateLimitCheck,
  RateLimitKey,
  RateLimitStore,
} from '../store.js';
import { type ScriptMode, scriptFor } from './redis-lua.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the store calls (`evalsha`, `eval`), typed
 * structurally so this package never imports ioredis.
 */
export type RedisRateLimitClient = RedisScriptClient;

/** Options of {@link RedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /**
   * The application's ioredis `Redis` or `Cluster`; Rampart neither connects nor closes it.
   * Create it with `enableOfflineQueue: false` so checks fail fast while Redis is down (then
   * `onStoreError` decides) instead of queueing, and without `enableAutoPipelining` (it batches
   * checks of concurrent requests, adding latency without saving round trips here).
   */
  redis: RedisRateLimitClient;
  /** Prepended to every key; default `rampart:rate-limit:`. */
  keyPrefix?: string;
  /** How long a check may wait for Redis before it fails with `StoreUnavailableError`; default 500 ms. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisRateLimitClient>({
    prefix: 'rate-limit',
    methods: ['evalsha', 'eval'],
    commandTimeoutMs: 500,
  }),
);

const STORE = 'redis-rate-limit-store';

interface RedisKeyRecord extends StoreRecord {
  readonly redisKey: string;
}

/**
 * A `RateLimitStore` on Redis: every operation is ONE `EVALSHA` of one Lua script covering every
 * policy of the route (generated for the route's policies, see `redis-lua.ts`; reloaded with
 * `EVAL` after a NOSCRIPT by core's `RedisScript`), so concurrent requests across any number of
 * processes count exactly. A client's counters on a route live in one hash (a field per policy)
 * whose name is its hash tag, so a check touches one slot and runs on Redis Cluster. Redis
 * expires the hash when no counter in it matters.
 *
 * @example
 * const store = new RedisRateLimitStore({ redis: new Redis(process.env.REDIS_URL, { enableOfflineQueue: false }) });
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly name = STORE;
  readonly #redis: RedisRateLimitClient;
  readonly #prefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisRateLimitStoreOptions) {
    const parsed = parseOptions('RedisRateLimitStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({ store: STORE, timeoutMs: parsed.commandTimeoutMs });
  }

  /**
   * The Redis key of a client on a scope: one hash, a field per policy. The whole key is its
   * hash tag, so a check never spans slots on Redis Cluster.
   */
  keyOf(key: RateLimitKey): string {
    return redisKey(this.#prefix, hashTag(`${key.scope.length}:${key.scope}:${key.identity}`));
  }

  /** The key's Redis key: remembered on a limiter's key (hashing a long one costs more than a check). */
  #redisKeyOf(key: RateLimitKey): string {
    let record = storeRecordOf<RedisKeyRecord>(key, this);
    if (record === undefined) {
      record = { owner: this, redisKey: this.keyOf(key) };
      rememberStoreRecord(key, record);
    }
    return record.redisKey;
  }

  hit({ key, now, cost }: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return this.#run('hit', key, [now, cost], (reply) => parseOutcomes(reply, key));
  }

  peek({ key, now, cost }: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return this.#run('peek', key, [now, cost], (reply) => parseOutcomes(reply, key));
  }

  async adjust({ key, now, delta, blockUntil }: RateLimitAdjustment): Promise<void> {
    await this.#run('adjust', key, [now, delta, blockUntil], () => undefined);
  }

  async reset(key: RateLimitKey): Promise<void> {
    await this.#run('reset', key, [], () => undefined);
  }

  #run<R>(
    mode: ScriptMode,
    key: RateLimitKey,
    args: readonly number[],
    read: (reply: unknown) => R,
  ): Promise<R> {
    const script = scriptFor(key.policies, mode);
    return this.#deadline.run(() => script.run(this.#redis, [this.#redisKeyOf(key)], args), read);
  }
}

/** The reply of a hit or peek: allowed (1/0), remaining, reset ms and retry-after ms a policy. */
function parseOutcomes(reply: unknown, key: RateLimitKey): PolicyOutcome[] {
  const count = key.policies.length;
  if (!Array.isArray(reply) || reply.length !== count * 4 || !reply.every(Number.isFinite)) {
    throw new TypeError(`${STORE}: unexpected script reply`);
  }
  const numbers = reply as number[];
  return key.policies.map((_, i) => ({
    allowed: numbers[4 * i] === 1,
    remaining: numbers[4 * i + 1] as number,
    resetMs: numbers[4 * i + 2] as number,
    retryAfterMs: numbers[4 * i + 3] as number,
  }));
}
