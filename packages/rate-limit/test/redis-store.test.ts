import { createRedisClient, isolatedRedisPrefix, serviceAvailable } from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePolicy } from '../src/policy.js';
import { RedisRateLimitStore } from '../src/stores/redis.js';
import { describeRateLimitStoreConformance } from '../src/testing.js';

const hasRedis = await serviceAvailable('redis');

describe.skipIf(!hasRedis)('RedisRateLimitStore', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = createRedisClient();
  });
  afterAll(async () => {
    await redis.quit();
  });

  describeRateLimitStoreConformance('redis', () => {
    const { prefix, cleanup } = isolatedRedisPrefix(redis);
    return { store: new RedisRateLimitStore({ redis, keyPrefix: prefix }), cleanup };
  });

  it('keeps a check on one key whose name is its hash tag, distinct per route and client', () => {
    const store = new RedisRateLimitStore({ redis, keyPrefix: 'p:' });
    const policies = [
      resolvePolicy('t', 'burst', { limit: 1, windowMs: 1000 }),
      resolvePolicy('t', 'daily', { limit: 1, windowMs: 86_400_000 }),
    ];
    const key = store.keyOf({ scope: 'POST /login', identity: '1.2.3.4|x:a{b}', policies });
    expect(key).toMatch(/^p:\{[^{}]+\}$/);
    expect(store.keyOf({ scope: 'POST /login', identity: '1.2.3.5|x:a{b}', policies })).not.toBe(
      key,
    );
    expect(store.keyOf({ scope: 'GET /login', identity: '1.2.3.4|x:a{b}', policies })).not.toBe(
      key,
    );
  });

  it('sends one EVALSHA per check of a two-policy route, and reloads the script after SCRIPT FLUSH', async () => {
    const { prefix, cleanup } = isolatedRedisPrefix(redis);
    const store = new RedisRateLimitStore({ redis, keyPrefix: prefix });
    const key = {
      scope: 'GET /x',
      identity: '1.2.3.4',
      policies: [
        resolvePolicy('t', 'burst', { algorithm: 'gcra', limit: 10, windowMs: 1000 }),
        resolvePolicy('t', 'daily', { limit: 1000, windowMs: 86_400_000 }),
      ],
    };
    await redis.script('FLUSH');
    expect((await store.hit({ key, cost: 1, now: Date.now() }))[0]?.allowed).toBe(true);
    // Count what this client sends: server-wide INFO commandstats would also count the other
    // test files that share this Redis (and may EVAL or SCRIPT FLUSH meanwhile).
    const sent: string[] = [];
    const sendCommand = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: { name: string }) => {
      sent.push(command.name);
      return sendCommand(command as never);
    }) as typeof redis.sendCommand;
    try {
      for (let i = 0; i < 5; i++) await store.hit({ key, cost: 1, now: Date.now() });
    } finally {
      redis.sendCommand = sendCommand;
    }
    // Another file's SCRIPT FLUSH may force one reload (a refused EVALSHA does no work).
    const evalshas = sent.filter((name) => name === 'evalsha').length;
    const evals = sent.filter((name) => name === 'eval').length;
    expect(sent.every((name) => name === 'evalsha' || name === 'eval')).toBe(true);
    expect(evalshas - evals).toBe(5);
    await cleanup();
  });
});
