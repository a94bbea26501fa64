import { createServer } from 'node:net';
import {
  createRedisClient,
  isolatedRedisPrefix,
  redisUrlOptions,
  serviceAvailable,
  startTcpProxy,
  type TcpProxy,
} from '@rampart/test-utils';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { StoreUnavailableError } from '../src/errors/common-errors.js';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import { nonceKey } from '../src/nonce-store.js';
import { RedisNonceStore, type RedisNonceStoreClient } from '../src/redis.js';
import { describeNonceStoreConformance } from '../src/testing.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Collects unhandled rejections while a test runs, so it can assert there were none. */
function trackUnhandledRejections(): { reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const onUnhandled = (reason: unknown) => reasons.push(reason);
  process.on('unhandledRejection', onUnhandled);
  return { reasons, stop: () => process.off('unhandledRejection', onUnhandled) };
}

async function timedClaim(
  store: RedisNonceStore,
  nonce: string,
): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await store.claim('scope', nonce, 10_000).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

describe('RedisNonceStore options', () => {
  const redis = { set: async () => 'OK' as const };

  it.each([
    ['a missing redis', {}, 'RedisNonceStore.redis'],
    ['a key prefix with a space', { redis, keyPrefix: 'my app:' }, 'RedisNonceStore.keyPrefix'],
    ['a key prefix with a glob', { redis, keyPrefix: 'app*:' }, 'RedisNonceStore.keyPrefix'],
    ['a zero timeout', { redis, commandTimeoutMs: 0 }, 'RedisNonceStore.commandTimeoutMs'],
    ['an unknown option', { redis, keyprefix: 'x:' }, 'RedisNonceStore.keyprefix'],
  ])('refuses %s at construction', (_name, options, option) => {
    let error: unknown;
    try {
      new RedisNonceStore(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RampartConfigError);
    expect((error as RampartConfigError).option).toBe(option);
  });

  it('takes ioredis Redis and Cluster instances as they are', () => {
    expectTypeOf<Redis>().toExtend<RedisNonceStoreClient>();
    expectTypeOf<Cluster>().toExtend<RedisNonceStoreClient>();
  });
});

const hasRedis = await serviceAvailable('redis');

describe.skipIf(!hasRedis)('RedisNonceStore on Redis', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = createRedisClient();
  });
  afterAll(async () => {
    await redis.quit();
  });

  describeNonceStoreConformance('redis', () => {
    const { prefix, cleanup } = isolatedRedisPrefix(redis);
    return {
      store: new RedisNonceStore({ redis, keyPrefix: prefix, commandTimeoutMs: 5000 }),
      // Redis keeps the time (PX): the suite really has to wait.
      elapse: sleep,
      cleanup,
    };
  });

  it('stores one key, prefix + nonceKey(scope, nonce), expiring with the TTL', async () => {
    const { prefix, cleanup } = isolatedRedisPrefix(redis);
    try {
      const store = new RedisNonceStore({ redis, keyPrefix: prefix });
      expect(await store.claim('key:1', 'abc', 5000)).toBe(true);
      const key = prefix + nonceKey('key:1', 'abc');
      expect(await redis.get(key)).toBe('1');
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(4000);
      expect(ttl).toBeLessThanOrEqual(5000);
    } finally {
      await cleanup();
    }
  });

  it('uses rampart:nonce: by default', async () => {
    const nonce = `default-prefix-${process.pid}-${Date.now()}`;
    const key = `rampart:nonce:${nonceKey('rampart-test', nonce)}`;
    try {
      expect(await new RedisNonceStore({ redis }).claim('rampart-test', nonce, 5000)).toBe(true);
      expect(await redis.exists(key)).toBe(1);
    } finally {
      await redis.del(key);
    }
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = isolatedRedisPrefix(redis);
    const b = isolatedRedisPrefix(redis);
    try {
      expect(await new RedisNonceStore({ redis, keyPrefix: a.prefix }).claim('s', 'n', 5000)).toBe(
        true,
      );
      expect(await new RedisNonceStore({ redis, keyPrefix: b.prefix }).claim('s', 'n', 5000)).toBe(
        true,
      );
    } finally {
      await Promise.all([a.cleanup(), b.cleanup()]);
    }
  });
});

describe('RedisNonceStore with Redis unreachable', () => {
  const clients: Redis[] = [];
  function client(port: number, options: RedisOptions = {}): Redis {
    const created = new Redis({ host: '127.0.0.1', port, ...options });
    created.on('error', () => {});
    clients.push(created);
    return created;
  }
  afterEach(() => {
    for (const created of clients.splice(0)) created.disconnect();
  });

  it('rejects within commandTimeoutMs with ioredis defaults (offline queue, endless reconnects)', async () => {
    const unhandled = trackUnhandledRejections();
    try {
      const store = new RedisNonceStore({
        redis: client(await closedPort()),
        commandTimeoutMs: 150,
      });
      const results = await Promise.all([timedClaim(store, 'a'), timedClaim(store, 'b')]);
      for (const { error, ms } of results) {
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(error).toMatchObject({
          code: 'ERR_STORE_UNAVAILABLE',
          status: 503,
          store: 'redis-nonce-store',
        });
        expect(ms).toBeLessThan(150 + 100);
      }
      await sleep(100);
      expect(unhandled.reasons).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });

  it('rejects at once with enableOfflineQueue: false', async () => {
    const redis = client(await closedPort(), { enableOfflineQueue: false });
    await sleep(20); // let the first connection attempt fail
    const { error, ms } = await timedClaim(
      new RedisNonceStore({ redis, commandTimeoutMs: 1000 }),
      'a',
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(100);
  });
});

describe.skipIf(!hasRedis)('RedisNonceStore through an outage', () => {
  let proxy: TcpProxy;
  let redis: Redis;
  let helper: Redis;
  let cleanupPrefix: () => Promise<void>;
  let store: RedisNonceStore;

  beforeAll(async () => {
    const { host = '127.0.0.1', port = 6379 } = redisUrlOptions();
    proxy = await startTcpProxy({ host, port });
    redis = createRedisClient({ host: '127.0.0.1', port: proxy.port, enableOfflineQueue: false });
    // Without the offline queue a command sent before the first connect fails: wait for it.
    await new Promise((resolve) => redis.once('ready', resolve));
    helper = createRedisClient();
    const isolated = isolatedRedisPrefix(helper);
    cleanupPrefix = isolated.cleanup;
    store = new RedisNonceStore({ redis, keyPrefix: isolated.prefix, commandTimeoutMs: 200 });
  });
  afterAll(async () => {
    redis.disconnect();
    await proxy.stop();
    await cleanupPrefix();
    await helper.quit();
  });

  it('fails closed while Redis is gone and claims again once it is back', async () => {
    const unhandled = trackUnhandledRejections();
    try {
      expect(await store.claim('outage', 'before', 10_000)).toBe(true);

      await proxy.stop();
      for (const nonce of ['during-1', 'during-2']) {
        const { error, ms } = await timedClaim(store, nonce);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(200 + 100);
      }

      await proxy.start();
      // ioredis reconnects on its own schedule (50 ms, 100 ms, … backoff); wait for it.
      const deadline = Date.now() + 5000;
      let claimed: boolean | undefined;
      while (claimed === undefined && Date.now() < deadline) {
        claimed = await store.claim('outage', 'after', 10_000).catch(() => undefined);
        if (claimed === undefined) await sleep(50);
      }
      expect(claimed).toBe(true);
      // The state from before the outage survived it: Redis kept it, not the client.
      expect(await store.claim('outage', 'before', 10_000)).toBe(false);
      expect(unhandled.reasons).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });
});
