import { RedisApiKeyStore } from '@rampart/api-keys/redis';
import { StoreUnavailableError } from '@rampart/core';
import { RedisNonceStore, RedisSettingsStore } from '@rampart/core/redis';
import { RedisIdempotencyStore } from '@rampart/idempotency/redis';
import { RedisJwtNonceStore } from '@rampart/jwt-nonce/redis';
import { RedisMfaStore } from '@rampart/mfa/redis';
import { RedisOAuthLinkStore } from '@rampart/oauth/redis';
import { RedisRateLimitStore } from '@rampart/rate-limit/redis';
import { Redis } from 'ioredis';
import { redisAuditStores } from '../audit/audit-stores.js';
import type { AppConfig } from '../config.js';
import { ConfigError } from '../config-error.js';
import { RedisRecordStore } from '../entities/redis-record-store.js';
import { redisSessionStores } from '../sessions/session-stores.js';
import { RedisUserStore } from '../users/redis-user-store.js';
import { type AppStores, PING_TIMEOUT_MS, reason, redactUrl, withTimeout } from './app-stores.js';

const CONNECT_TIMEOUT_MS = 2000;

/**
 * Deletes every key under `prefix` with SCAN + DEL in batches: never KEYS (it blocks the
 * server), never FLUSHDB (the database may hold other apps' keys).
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  // The config pattern already forbids these; checked again because a glob here widens the match.
  if (/[*?[\]\\]/.test(prefix))
    throw new Error(`refusing a Redis key prefix with glob characters: ${prefix}`);
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Stores on Redis, every key under `RAMPART_KEY_PREFIX` (`rampart-example:` by default). */
export async function openRedisStores(config: AppConfig): Promise<AppStores> {
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Fail fast while disconnected instead of queueing: a security check must not hang.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  let started = false;
  let lastError = '';
  // ioredis reports every failed reconnect; say it once per distinct cause, not 10 times a second.
  // Until start-up completes the cause is only kept, for the one ConfigError below.
  redis.on('error', (error: unknown) => {
    const message = reason(error);
    if (message === lastError) return;
    lastError = message;
    if (started) console.error(`Redis: ${message}`);
  });
  redis.on('ready', () => {
    if (lastError !== '') console.error('Redis: connected again');
    lastError = '';
  });

  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    // connect() only says "Connection is closed"; the error event had the cause (ECONNREFUSED …).
    const cause = lastError !== '' ? lastError : reason(error);
    throw new ConfigError(
      'REDIS_URL',
      `no Redis answered at ${redactUrl(config.redisUrl)} (${cause})`,
    );
  }
  if (config.fresh) {
    try {
      await deleteKeysWithPrefix(redis, config.redisKeyPrefix);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  }

  started = true;
  // One prefix per kind of state, all under RAMPART_KEY_PREFIX so --fresh finds every key.
  const prefix = config.redisKeyPrefix;
  return {
    kind: 'redis',
    nonces: new RedisNonceStore({ redis, keyPrefix: `${prefix}nonce:` }),
    tokens: new RedisJwtNonceStore({ redis, keyPrefix: `${prefix}jwt:` }),
    rateLimits: new RedisRateLimitStore({ redis, keyPrefix: `${prefix}rate-limit:` }),
    users: new RedisUserStore({ redis, keyPrefix: `${prefix}users:` }),
    settings: new RedisSettingsStore({ redis, keyPrefix: `${prefix}settings:` }),
    records: new RedisRecordStore({ redis, keyPrefix: `${prefix}records:` }),
    apiKeys: new RedisApiKeyStore({ redis, keyPrefix: `${prefix}api-keys:` }),
    idempotency: new RedisIdempotencyStore({ redis, keyPrefix: `${prefix}idempotency:` }),
    mfa: new RedisMfaStore({ redis, keyPrefix: `${prefix}mfa:` }),
    sessions: await redisSessionStores(redis, prefix),
    audit: redisAuditStores(redis, prefix),
    oauthLinks: new RedisOAuthLinkStore({ redis, keyPrefix: `${prefix}oauth:` }),
    async ping() {
      try {
        await withTimeout(redis.ping(), PING_TIMEOUT_MS, 'Redis PING');
      } catch (error) {
        throw new StoreUnavailableError('redis', error);
      }
    },
    async close() {
      try {
        await withTimeout(redis.quit(), PING_TIMEOUT_MS, 'Redis QUIT');
      } catch {
        redis.disconnect();
      }
    },
  };
}
