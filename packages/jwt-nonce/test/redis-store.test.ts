import { hashTag, redisKey } from '@rampart/core/redis';
import {
  createRedisClient,
  isolatedRedisPrefix,
  redisUrlOptions,
  startTcpProxy,
} from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtNonce } from '../src/index.js';
import { RedisJwtNonceStore } from '../src/redis.js';
import { AUDIENCE, ISSUER } from './helpers/attacks.js';
import { makeTestRing } from './helpers/forge.js';
import { hasRedis } from './helpers/stores.js';

const ring = makeTestRing();

describe.skipIf(!hasRedis)('RedisJwtNonceStore on a real Redis', () => {
  let redis: Redis;
  let cleanup: () => Promise<void>;
  let prefix: string;
  beforeAll(() => {
    redis = createRedisClient();
    ({ prefix, cleanup } = isolatedRedisPrefix(redis));
  });
  afterAll(async () => {
    await cleanup();
    await redis.quit();
  });

  it('verifies with exactly one Redis command per token (EVALSHA), once the script is cached', async () => {
    const calls: string[] = [];
    const counting = new Proxy(redis, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const index = calls.push(String(property)) - 1;
          const result = value.apply(target, args);
          // Another test may SCRIPT FLUSH meanwhile: the refused EVALSHA did no work, and the
          // EVAL that follows it is the one round trip that did.
          if (result instanceof Promise) {
            result.catch((error: unknown) => {
              if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
                calls[index] = 'noscript';
              }
            });
          }
          return result;
        };
      },
    });
    const tokens = createJwtNonce({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [ring.hs],
      store: new RedisJwtNonceStore({ redis: counting, keyPrefix: prefix }),
    });
    const pair = await tokens.issue('alice');
    await tokens.verifyAccessToken(pair.accessToken);
    calls.length = 0;
    for (let i = 0; i < 50; i++) await tokens.verifyAccessToken(pair.accessToken);
    const flushed = calls.filter((call) => call === 'noscript').length;
    const done = calls.filter((call) => call !== 'noscript');
    expect(done).toHaveLength(50);
    expect(done.filter((call) => call === 'evalsha')).toHaveLength(50 - flushed);
    expect(done.filter((call) => call === 'eval')).toHaveLength(flushed);
    calls.length = 0;
    await tokens.refresh(pair.refreshToken);
    // One script spends the old token, one records the new pair.
    expect(calls.filter((call) => call !== 'noscript')).toHaveLength(2);
  });

  it('keys a user’s state under one hash tag (Redis Cluster) and never stores a token', async () => {
    const tokens = createJwtNonce({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [ring.hs],
      store: new RedisJwtNonceStore({ redis, keyPrefix: prefix }),
    });
    const pair = await tokens.issue('carol:{x}');
    const auth = await tokens.verifyAccessToken(pair.accessToken);
    await tokens.logout(auth);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const mine = keys.filter((key) => key.includes('carol'));
    expect(mine.length).toBeGreaterThanOrEqual(3);
    for (const key of mine) expect(key.startsWith(`${prefix}{carol%3A%7Bx%7D}:`)).toBe(true);
    const values = await Promise.all(mine.map((key) => redis.get(key)));
    // A status letter, an issue time, a kind letter and the family id; a family marker; a
    // watermark: no token, no application claim.
    for (const value of values) {
      expect(value).toMatch(new RegExp(`^(?:[asr]\\d*[AR]:${auth.fam}|1|\\d+)$`));
    }
  });

  it('refuses a token recorded before tokens were bound to a family (a value without one)', async () => {
    const store = new RedisJwtNonceStore({ redis, keyPrefix: prefix });
    const ref = {
      iss: 'i',
      jti: 'old',
      sub: 'dave',
      family: 'f',
      kind: 'refresh' as const,
      expiresAt: Date.now() + 60_000,
    };
    const key = redisKey(prefix, hashTag('dave'), 't', 'i', 'old');
    await redis.set(key, `a${Date.now()}`, 'PX', 60_000);
    expect(await store.lookup(ref)).toMatchObject({ status: 'mismatched', issuedAt: undefined });
    expect((await store.spend(ref, true)).outcome).toBe('mismatched');
    expect((await store.spend(ref, false)).outcome).toBe('mismatched');
  });

  it('refuses a token recorded before tokens were bound to a kind (a value without a kind letter)', async () => {
    const store = new RedisJwtNonceStore({ redis, keyPrefix: prefix });
    const ref = { iss: 'i', jti: 'old', sub: 'erin', family: 'f', expiresAt: Date.now() + 60_000 };
    const key = redisKey(prefix, hashTag('erin'), 't', 'i', 'old');
    // What the store wrote before: an active record, a deny-list spent marker, a revocation.
    for (const old of [`a${Date.now()}:f`, 's:f', 'r:f']) {
      await redis.set(key, old, 'PX', 60_000);
      for (const kind of ['access', 'refresh'] as const) {
        const presented = { ...ref, kind };
        expect(await store.lookup(presented), `${old} as ${kind}`).toMatchObject({
          status: 'mismatched',
          issuedAt: undefined,
        });
        expect((await store.spend(presented, true)).outcome, `${old} as ${kind}`).toBe(
          'mismatched',
        );
        expect((await store.spend(presented, false)).outcome, `${old} as ${kind}`).toBe(
          'mismatched',
        );
      }
      expect(await redis.get(key)).toBe(old);
    }
  });

  it('fails closed with a 503 StoreUnavailableError when Redis is unreachable', async () => {
    const { host = '127.0.0.1', port = 6379 } = redisUrlOptions();
    const proxy = await startTcpProxy({ host, port });
    const client = createRedisClient({
      host: '127.0.0.1',
      port: proxy.port,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const tokens = createJwtNonce({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: [ring.hs],
        mode: 'deny-list',
        store: new RedisJwtNonceStore({ redis: client, keyPrefix: prefix, commandTimeoutMs: 300 }),
      });
      const pair = await tokens.issue('alice');
      await tokens.verifyAccessToken(pair.accessToken);
      await proxy.stop();
      await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject({
        status: 503,
        code: 'ERR_STORE_UNAVAILABLE',
      });
      await expect(tokens.refresh(pair.refreshToken)).rejects.toMatchObject({ status: 503 });
    } finally {
      client.disconnect();
      await proxy.stop();
    }
  });
});
