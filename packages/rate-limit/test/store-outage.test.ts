import { createFakeClock, type SecurityEvent } from '@rampart/core';
import {
  createRedisClient,
  isolatedRedisPrefix,
  redisUrlOptions,
  serviceAvailable,
  startTcpProxy,
  type TcpProxy,
} from '@rampart/test-utils';
import Fastify from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyRateLimit } from '../src/fastify.js';
import { createRateLimiter } from '../src/limiter.js';
import type { OnStoreError } from '../src/options.js';
import { MemoryRateLimitStore } from '../src/stores/memory.js';
import { RedisRateLimitStore } from '../src/stores/redis.js';

const hasRedis = await serviceAvailable('redis');
const request = { method: 'GET', url: '/x', route: '/x', headers: {}, ip: '203.0.113.50' };
const policies = { minute: { algorithm: 'fixed-window' as const, limit: 3, windowMs: 60_000 } };

describe.skipIf(!hasRedis)('Redis stopped (TCP proxy): onStoreError', () => {
  let proxy: TcpProxy;
  let redis: Redis;
  let cleanup: () => Promise<void>;
  let prefix: string;
  beforeAll(async () => {
    const { host = '127.0.0.1', port = 6379 } = redisUrlOptions();
    proxy = await startTcpProxy({ host, port });
    // The offline queue stays on: only the store's command timeout can end a wait.
    redis = createRedisClient({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: null });
    ({ prefix, cleanup } = isolatedRedisPrefix(redis));
  });
  afterAll(async () => {
    await proxy.start();
    await cleanup();
    redis.disconnect();
    await proxy.stop();
  });

  // Counting runs on a frozen clock (a window edge cannot split a test's checks); it moves on
  // only where the limiter must see storeRetryMs pass before trying the store again.
  const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));

  function limiterWith(onStoreError: OnStoreError, events: SecurityEvent[]) {
    const store = new RedisRateLimitStore({
      redis,
      keyPrefix: `${prefix}${Math.random().toString(36).slice(2)}:`,
      commandTimeoutMs: 200,
    });
    return createRateLimiter({
      clock,
      store,
      policies,
      onStoreError,
      storeRetryMs: 50,
      onEvent: (event) => events.push(event),
    });
  }

  async function outage(run: () => Promise<void>) {
    await proxy.stop();
    try {
      await run();
    } finally {
      await proxy.start();
    }
  }

  async function recovered(limiter: ReturnType<typeof createRateLimiter>, events: SecurityEvent[]) {
    await expect
      .poll(
        async () => {
          clock.advance(100);
          await limiter.check(request).catch(() => undefined);
          return events.filter((event) => event.type === 'STORE_RECOVERED').length;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(1);
    // Counted by Redis again.
    await limiter.reset(limiter.keyFor(request)!);
    expect(await limiter.check(request)).toMatchObject({ allowed: true, outcome: 'allowed' });
    expect(events.filter((event) => event.type === 'STORE_UNAVAILABLE')).toHaveLength(1);
  }

  it("'fail-closed' (default) answers 503 ERR_STORE_UNAVAILABLE within the timeout, reports once, recovers", async () => {
    const events: SecurityEvent[] = [];
    const limiter = limiterWith('fail-closed', events);
    expect((await limiter.check(request)).allowed).toBe(true);
    await outage(async () => {
      for (let i = 0; i < 3; i++)
        await expect(limiter.check(request)).rejects.toMatchObject({
          status: 503,
          code: 'ERR_STORE_UNAVAILABLE',
        });
      clock.advance(60);
      await expect(limiter.check(request)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    });
    expect(events.filter((event) => event.type === 'STORE_UNAVAILABLE')).toHaveLength(1);
    await recovered(limiter, events);
  });

  it("'fail-open' lets requests through uncounted while down, then counts again", async () => {
    const events: SecurityEvent[] = [];
    const limiter = limiterWith('fail-open', events);
    await outage(async () => {
      for (let i = 0; i < 5; i++)
        expect(await limiter.check(request)).toMatchObject({ allowed: true, outcome: 'fail-open' });
    });
    expect(events.filter((event) => event.type === 'STORE_UNAVAILABLE')).toHaveLength(1);
    await recovered(limiter, events);
  });

  it('a memory fallback keeps limiting exactly while Redis is down', async () => {
    const events: SecurityEvent[] = [];
    const limiter = limiterWith({ fallback: new MemoryRateLimitStore({ clock }) }, events);
    await outage(async () => {
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push(await limiter.check(request));
      expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false, false]);
      expect(outcomes[0]?.outcome).toBe('fallback');
    });
    await recovered(limiter, events);
  });

  it('a Fastify app answers 503 problem+json while down and 200 once Redis is back', async () => {
    const store = new RedisRateLimitStore({
      redis,
      keyPrefix: `${prefix}app:`,
      commandTimeoutMs: 200,
    });
    const app = Fastify();
    await app.register(fastifyRateLimit, { clock, store, policies, storeRetryMs: 0 });
    app.get('/x', async () => ({ ok: true }));
    try {
      await outage(async () => {
        const reply = await app.inject({ method: 'GET', url: '/x' });
        expect(reply.statusCode).toBe(503);
        expect(reply.json()).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
        expect(reply.headers['retry-after']).toBe('1');
      });
      await expect
        .poll(async () => (await app.inject({ method: 'GET', url: '/x' })).statusCode, {
          timeout: 10_000,
          interval: 100,
        })
        .toBe(200);
    } finally {
      await app.close();
    }
  });
});
