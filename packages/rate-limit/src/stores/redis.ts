import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  defaultRedisPrefix,
  hashTag,
  type RedisScript,
  type RedisScriptClient,
  redisKey,
  redisKeyPrefixSchema,
  type StoreDeadline,
} from '@rampart/core/redis';
import { z } from 'zod';
import { createOutcome, type PolicyOutcome } from '../algorithms/evaluate.js';
import {
  type RateLimitCheck,
  type RateLimitKey,
  type RateLimitStore,
  rememberStoreRecord,
  storeRecordOf,
} from '../store.js';
import {
  HIT_REPLY_BYTES_PER_POLICY,
  hitScriptFor,
  SCRIPT_MODE,
  scriptFor,
} from './redis-script.js';

/** What the store remembers on a limiter's key: its Redis key and script, built once. */
interface KeyRecord {
  readonly owner: RedisRateLimitStore;
  readonly redisKey: string;
  /** The check's own script (`hitScriptFor`); the generic one serves peek, adjust and reset. */
  readonly hitScript: RedisScript;
}

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * The part of an ioredis `Redis` or `Cluster` the store calls, typed structurally so this package
 * never imports ioredis. `callBuffer` runs a check: its script answers with packed binary numbers.
 */
export interface RedisRateLimitClient extends RedisScriptClient {
  callBuffer(command: string, ...args: Array<string | number>): Promise<unknown>;
}

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

const optionsSchema = z.strictObject({
  redis: z.custom<RedisRateLimitClient>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { evalsha?: unknown }).evalsha === 'function' &&
      typeof (value as { callBuffer?: unknown }).callBuffer === 'function',
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

  hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    const key = check.key;
    const record = this.#record(key);
    const count = key.policies.length;
    return this.#deadline.run(
      () => this.#evalHit(record, check.now, check.cost),
      (reply) => parseHitReply(reply, count),
    );
  }

  /** Runs the check's script by its SHA-1, and sends its source once when Redis lacks it. */
  #evalHit(record: KeyRecord, now: number, cost: number): Promise<unknown> {
    const { redisKey, hitScript } = record;
    return this.#redis
      .callBuffer('evalsha', hitScript.sha1, 1, redisKey, now, cost)
      .catch((error: unknown) =>
        isNoScriptError(error)
          ? this.#redis.callBuffer('eval', hitScript.source, 1, redisKey, now, cost)
          : Promise.reject(error),
      );
  }

  /** The key's Redis key and script: remembered on a limiter's key, else built. */
  #record(key: RateLimitKey): KeyRecord {
    let record = storeRecordOf<KeyRecord>(key, this);
    if (record === undefined) {
      record = { owner: this, redisKey: this.keyOf(key), hitScript: hitScriptFor(key.policies) };
      rememberStoreRecord(key, record);
    }
    return record;
  }

  async peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return parseOutcomes(
      await this.#run(SCRIPT_MODE.peek, check, check.cost, 0),
      check.key.policies.length,
    );
  }

  async adjust(check: RateLimitCheck, delta: number, blockUntil: number): Promise<void> {
    await this.#run(SCRIPT_MODE.adjust, check, delta, blockUntil);
  }

  async reset(key: RateLimitKey): Promise<void> {
    await this.#run(SCRIPT_MODE.reset, { key, cost: 1, now: 0 }, 0, 0);
  }

  #run(mode: number, check: RateLimitCheck, amount: number, blockUntil: number): Promise<unknown> {
    const args = [mode, check.now, amount, blockUntil];
    const keys = [this.#record(check.key).redisKey];
    return this.#deadline.run(() => scriptFor(check.key.policies).run(this.#redis, keys, args));
  }
}

/**
 * The hit script's reply: per policy allowed (0/1), remaining, reset ms and retry-after ms as
 * little-endian doubles, 32 bytes a policy (see `hitScriptFor`).
 */
function parseHitReply(reply: unknown, count: number): PolicyOutcome[] {
  if (!Buffer.isBuffer(reply) || reply.length !== count * HIT_REPLY_BYTES_PER_POLICY) {
    throw new TypeError(`${STORE}: unexpected script reply`);
  }
  const outcomes: PolicyOutcome[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * HIT_REPLY_BYTES_PER_POLICY;
    const outcome = createOutcome();
    outcome.allowed = reply.readDoubleLE(at) === 1;
    outcome.remaining = reply.readDoubleLE(at + 8);
    outcome.resetMs = reply.readDoubleLE(at + 16);
    outcome.retryAfterMs = reply.readDoubleLE(at + 24);
    outcomes[i] = outcome;
  }
  return outcomes;
}

/** The generic script's reply (peek): per policy allowed (0/1), remaining, reset ms, retry-after ms. */
function parseOutcomes(reply: unknown, count: number): PolicyOutcome[] {
  const values = reply as number[];
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
