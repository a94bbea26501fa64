import { isIP } from 'node:net';
import { RedisApiKeyStore } from '@rampart/api-keys/redis';
import { StoreUnavailableError } from '@rampart/core';
import { RedisNonceStore, RedisSettingsStore, scanKeysWithPrefix } from '@rampart/core/redis';
import { RedisIdempotencyStore } from '@rampart/idempotency/redis';
import { RedisJwtNonceStore } from '@rampart/jwt-nonce/redis';
import { RedisMfaStore } from '@rampart/mfa/redis';
import { RedisOAuthLinkStore } from '@rampart/oauth/redis';
import { RedisRateLimitStore } from '@rampart/rate-limit/redis';
import { Cluster, Redis } from 'ioredis';
import { redisAuditStores } from '../audit/audit-stores.js';
import type { AppConfig } from '../config.js';
import { ConfigError } from '../config-error.js';
import { RedisRecordStore } from '../entities/redis-record-store.js';
import { redisSessionStores } from '../sessions/session-stores.js';
import { RedisUserStore } from '../users/redis-user-store.js';
import { type AppStores, PING_TIMEOUT_MS, reason, redactUrl, withTimeout } from './app-stores.js';

const CONNECT_TIMEOUT_MS = 2000;

/**
 * Deletes every key under `prefix` with SCAN + UNLINK in batches, on the server or on every
 * master of a cluster: never KEYS (it blocks the server), never FLUSHDB (the database may hold
 * other apps' keys).
 */
export async function deleteKeysWithPrefix(
  redis: Redis | Cluster,
  prefix: string,
): Promise<number> {
  // The config pattern already forbids these; checked again because a glob here widens the match.
  if (/[*?[\]\\]/.test(prefix))
    throw new Error(`refusing a Redis key prefix with glob characters: ${prefix}`);
  let deleted = 0;
  await scanKeysWithPrefix(redis, prefix, async (keys) => {
    if (!(redis instanceof Cluster)) {
      deleted += await redis.unlink(...keys);
      return;
    }
    // One UNLINK per key: keys of one batch sit in several slots, which a multi-key UNLINK
    // refuses (CROSSSLOT). The cluster client sends each to its slot's master.
    const counts = await Promise.all(keys.map((key) => redis.unlink(key)));
    deleted += counts.reduce((sum, count) => sum + count, 0);
  });
  return deleted;
}

/** Where the stores' client connects: `REDIS_URL`, or the cluster of `REDIS_CLUSTER_NODES`. */
interface RedisTarget {
  readonly option: 'REDIS_URL' | 'REDIS_CLUSTER_NODES';
  readonly what: 'Redis' | 'Redis Cluster';
  /** For messages, without a password. */
  readonly where: string;
}

/** `host:port`, an IPv6 host in brackets. */
function nodeAddress({ host, port }: { host: string; port: number }): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function createClient(config: AppConfig): { client: Redis | Cluster; target: RedisTarget } {
  if (config.redisCluster === undefined) {
    return {
      client: new Redis(config.redisUrl, {
        lazyConnect: true,
        connectTimeout: CONNECT_TIMEOUT_MS,
        // Fail fast while disconnected instead of queueing: a security check must not hang.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      }),
      target: { option: 'REDIS_URL', what: 'Redis', where: redactUrl(config.redisUrl) },
    };
  }
  const nodes = config.redisCluster.map(({ host, port }) => ({ host, port }));
  return {
    client: new Cluster(nodes, {
      lazyConnect: true,
      // As on one server: while the cluster is not ready a command fails at once (a 503).
      enableOfflineQueue: false,
      // The slot map is asked for at start and after a failover; 1 s (the default) is short
      // on a loaded host, and a missed refresh fails start-up.
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      // Not enableOfflineQueue here: ioredis connects to each node on its first command, which
      // would then fail instead of waiting for that connection.
      redisOptions: { connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 1 },
    }),
    target: {
      option: 'REDIS_CLUSTER_NODES',
      what: 'Redis Cluster',
      where: nodes.map(nodeAddress).join(','),
    },
  };
}

/**
 * Stores on Redis, one server or a cluster (`--store redis-cluster`), every key under
 * `RAMPART_KEY_PREFIX` (`rampart-example:` by default).
 */
export async function openRedisStores(config: AppConfig): Promise<AppStores> {
  const { client: redis, target } = createClient(config);
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
      target.option,
      `no ${target.what} answered at ${target.where} (${cause})`,
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
    audit: redisAuditStores(redis, prefix, config.audit.memoryRecords),
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
