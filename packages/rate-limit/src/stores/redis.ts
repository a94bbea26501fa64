import { parseOptions } from '@rampart/core';
import {
  defaultRedisPrefix,
  hashTag,
  type RedisScriptClient,
  redisKey,
  redisKeyPrefixSchema,
} from '@rampart/core/redis';
import { z } from 'zod';
import { createOutcome, type PolicyOutcome } from '../algorithms/evaluate.js';
import type { RateLimitCheck, RateLimitKey, RateLimitStore } from '../store.js';
import { CommandDeadline } from './command-deadline.js';
import { SCRIPT_MODE, scriptFor } from './redis-script.js';

/** Options of {@link RedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /**
   * The application's ioredis `Redis` or `Cluster`; Rampart neither connects nor closes it.
   * Create it with `enableOfflineQueue: false` so checks fail fast while Redis is down (then
   * `onStoreError` decides) instead of queueing, and without `enableAutoPipelining` (it batches
   * checks of concurrent requests, adding latency without saving round trips here).
   */
  redis: RedisScriptClient;
  /** Prepended to every key; default `rampart:rate-limit:`. */
  keyPrefix?: string;
  /** How long a check may wait for Redis before it fails with `StoreUnavailableError`; default 500 ms. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  redis: z.custom<RedisScriptClient>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { evalsha?: unknown }).evalsha === 'function',
    'must be an ioredis Redis or Cluster instance',
  ),
  keyPrefix: redisKeyPrefixSchema.default(defaultRedisPrefix('rate-limit')),
  commandTimeoutMs: z.number().int().min(1).max(60_000).default(500),
});

const STORE = 'redis-rate-limit-store';

/**
 * A `RateLimitStore` on Redis: every check is ONE `EVALSHA` of one Lua script covering every
 * policy of the route (reloaded with `EVAL` after a NOSCRIPT, by core's `RedisScript`), so
 * concurrent requests across any number of processes count exactly. A client's counters on a
 * route live in one hash (a field per policy) whose name is its hash tag, so a check touches one
 * slot and runs on Redis Cluster. Redis expires the hash when no counter in it matters.
 *
 * @example
 * const store = new RedisRateLimitStore({ redis: new Redis(process.env.REDIS_URL, { enableOfflineQueue: false }) });
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly name = STORE;
  readonly #redis: RedisScriptClient;
  readonly #prefix: string;
  readonly #deadline: CommandDeadline;

  constructor(options: RedisRateLimitStoreOptions) {
    const parsed = parseOptions('RedisRateLimitStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#deadline = new CommandDeadline(STORE, parsed.commandTimeoutMs);
  }

  /**
   * The Redis key of a client on a scope: one hash, a field per policy. The whole key is its
   * hash tag, so a check never spans slots on Redis Cluster.
   */
  keyOf(key: RateLimitKey): string {
    return redisKey(this.#prefix, hashTag(`${key.scope.length}:${key.scope}:${key.identity}`));
  }

  async hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return this.#outcomes(await this.#run(SCRIPT_MODE.hit, check, check.cost, 0), check);
  }

  async peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return this.#outcomes(await this.#run(SCRIPT_MODE.peek, check, check.cost, 0), check);
  }

  async adjust(check: RateLimitCheck, delta: number, blockUntil: number): Promise<void> {
    await this.#run(SCRIPT_MODE.adjust, check, delta, blockUntil);
  }

  async reset(key: RateLimitKey): Promise<void> {
    await this.#run(SCRIPT_MODE.reset, { key, cost: 1, now: 0 }, 0, 0);
  }

  #run(mode: number, check: RateLimitCheck, amount: number, blockUntil: number): Promise<unknown> {
    const args = [mode, check.now, amount, blockUntil];
    const keys = [this.keyOf(check.key)];
    return this.#deadline.run(() => scriptFor(check.key.policies).run(this.#redis, keys, args));
  }

  #outcomes(reply: unknown, check: RateLimitCheck): PolicyOutcome[] {
    const values = reply as number[];
    const count = check.key.policies.length;
    if (!Array.isArray(values) || values.length !== count * 4) {
      throw new TypeError(`${STORE}: unexpected script reply`);
    }
    const outcomes: PolicyOutcome[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const outcome = createOutcome();
      outcome.allowed = values[i * 4] === 1;
      outcome.remaining = Number(values[i * 4 + 1]);
      outcome.resetMs = Number(values[i * 4 + 2]);
      outcome.retryAfterMs = Number(values[i * 4 + 3]);
      outcomes[i] = outcome;
    }
    return outcomes;
  }
}
