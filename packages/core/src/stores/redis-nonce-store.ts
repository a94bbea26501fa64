import { z } from 'zod';
import { parseOptions } from '../config.js';
import type { NonceStore } from '../nonce-store.js';
import { assertClaimArguments, nonceKey } from '../nonce-store.js';
import { redisStoreOptionsShape } from '../redis/store-options.js';
import { createStoreDeadline, type StoreDeadline } from './store-deadline.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the nonce store calls, typed structurally so the
 * user's instance fits and this package never imports ioredis.
 */
export interface RedisNonceStoreClient {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
}

/** Options of {@link RedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /**
   * The application's ioredis `Redis` or `Cluster`. Rampart neither connects nor closes it.
   *
   * ioredis queues commands while it reconnects (`enableOfflineQueue: true`, the default) and
   * retries each up to `maxRetriesPerRequest` times (20). `commandTimeoutMs` bounds how long a
   * claim waits either way, but a queued `SET` may still run once Redis is back, so a client that
   * retries the very request it was refused with a 503 can then get "nonce already used". Set
   * `enableOfflineQueue: false` on the instance to fail fast while disconnected and to drop, not
   * replay, commands issued during an outage; then wait for its `ready` event (or a `PING`)
   * before serving, since a claim sent before the first connection is refused too.
   */
  redis: RedisNonceStoreClient;
  /** Prepended to every key; default `rampart:nonce:`. */
  keyPrefix?: string;
  /** How long a claim may wait for Redis before it fails with `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisNonceStoreClient>({
    prefix: 'nonce',
    methods: ['set'],
    commandTimeoutMs: 1000,
  }),
);

function isOk(reply: 'OK' | null): boolean {
  return reply === 'OK';
}

/**
 * A `NonceStore` on Redis: one `SET key 1 PX ttl NX` per claim, atomic on the server, so exactly
 * one of any number of racing claims wins, across every process that shares the Redis. Redis
 * expires the key after the TTL; nothing needs purging.
 *
 * Fails closed: an unreachable or slow Redis rejects the claim with `StoreUnavailableError`
 * (503) within `commandTimeoutMs`. Works on Redis Cluster (one key a claim).
 *
 * @example
 * const store = new RedisNonceStore({ redis: new Redis(process.env.REDIS_URL, { enableOfflineQueue: false }) });
 * if (!(await store.claim(keyId, nonce, 300_000))) throw replayError;
 */
export class RedisNonceStore implements NonceStore {
  readonly #redis: RedisNonceStoreClient;
  readonly #keyPrefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisNonceStoreOptions) {
    const parsed = parseOptions('RedisNonceStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#keyPrefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({
      store: 'redis-nonce-store',
      timeoutMs: parsed.commandTimeoutMs,
    });
  }

  /** See `NonceStore.claim`. The key is `keyPrefix` + `nonceKey(scope, nonce)`. */
  claim(scope: string, nonce: string, ttlMs: number): Promise<boolean> {
    try {
      assertClaimArguments(scope, nonce, ttlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.#keyPrefix + nonceKey(scope, nonce);
    // One promise a claim: the deadline's, resolving with the boolean (no async wrapper around it).
    return this.#deadline.run(() => this.#redis.set(key, '1', 'PX', ttlMs, 'NX'), isOk);
  }
}
