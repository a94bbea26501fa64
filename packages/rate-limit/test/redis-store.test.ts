import { RampartConfigError } from '@rampart/core';
import { createRedisClient, isolatedRedisPrefix, serviceAvailable } from '@rampart/test-utils';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { resolvePolicy } from '../src/policy.js';
import type { PolicyOutcome } from '../src/store.js';
import { MemoryRateLimitStore } from '../src/stores/memory.js';
import { type RedisRateLimitClient, RedisRateLimitStore } from '../src/stores/redis.js';
import { describeRateLimitStoreConformance } from '../src/testing.js';

const hasRedis = await serviceAvailable('redis');

/** A client on a route with two policies: the case the one-round-trip promise is about. */
const TWO_POLICY_KEY = {
  scope: 'GET /x',
  identity: '1.2.3.4',
  policies: [
    resolvePolicy('burst', { algorithm: 'gcra', limit: 10, windowMs: 1000 }),
    resolvePolicy('daily', { limit: 1000, windowMs: 86_400_000 }),
  ],
};

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

  it('answers every operation as the memory store does: eight policies of every algorithm, blocks, costs', async () => {
    const { prefix, cleanup } = isolatedRedisPrefix(redis);
    const store = new RedisRateLimitStore({ redis, keyPrefix: prefix });
    const memory = new MemoryRateLimitStore({ sweepIntervalMs: 0 });
    const algorithms = ['gcra', 'fixed-window', 'sliding-window'] as const;
    const policies = Array.from({ length: 8 }, (_, i) =>
      resolvePolicy(`p${i}`, {
        algorithm: algorithms[i % 3],
        limit: 3 + i,
        windowMs: 1000 * (1 + (i % 4)),
        blockMs: i % 3 === 1 ? 2500 : 0,
      }),
    );
    const key = { scope: 'GET /diff', identity: '192.0.2.1', policies };
    let now = Date.UTC(2026, 0, 1) + 123;
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const pick = (outcomes: readonly PolicyOutcome[]) =>
      outcomes.map(({ allowed, remaining, resetMs, retryAfterMs }) => ({
        allowed,
        remaining,
        resetMs,
        retryAfterMs,
      }));
    for (let step = 0; step < 400; step++) {
      now += next() % 400;
      const cost = 1 + (next() % 3);
      const operation = next() % 10;
      if (operation === 0) {
        const check = { key, cost, now };
        expect(pick(await store.peek(check)), `peek ${step}`).toEqual(
          pick(await memory.peek(check)),
        );
      } else if (operation === 1) {
        // A reward or a penalty, sometimes with a block.
        const adjustment = {
          key,
          now,
          delta: (next() % 5) - 2,
          blockUntil: next() % 4 === 0 ? now + 1500 : 0,
        };
        await store.adjust(adjustment);
        await memory.adjust(adjustment);
      } else if (operation === 2 && step % 50 === 0) {
        await store.reset(key);
        await memory.reset(key);
      } else {
        const check = { key, cost, now };
        expect(pick(await store.hit(check)), `hit ${step}`).toEqual(pick(await memory.hit(check)));
      }
    }
    memory.close();
    await cleanup();
  });

  it('keeps a check on one key whose name is its hash tag, distinct per route and client', () => {
    const store = new RedisRateLimitStore({ redis, keyPrefix: 'p:' });
    const policies = [
      resolvePolicy('burst', { limit: 1, windowMs: 1000 }),
      resolvePolicy('daily', { limit: 1, windowMs: 86_400_000 }),
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

  it('reads a policy field of another format as no state, in check and peek', async () => {
    const { prefix, cleanup } = isolatedRedisPrefix(redis);
    const store = new RedisRateLimitStore({ redis, keyPrefix: prefix });
    const policies = [resolvePolicy('minute', { limit: 3, windowMs: 60_000 })];
    const key = { scope: 'GET /old', identity: '192.0.2.9', policies };
    const now = Date.UTC(2026, 0, 1) + 5;
    const start = now - (now % 60_000);
    // The packed layout with another format byte: read as this format, it is a client that has
    // spent its 3 and is blocked for a day.
    const other = Buffer.alloc(33);
    other.writeUInt8(2, 0);
    for (const [i, value] of [start, 3, 0, now + 86_400_000].entries()) {
      other.writeDoubleLE(value, 1 + 8 * i);
    }
    await redis.hset(store.keyOf(key), 'minute', other);
    expect((await store.peek({ key, cost: 1, now }))[0]).toMatchObject({
      allowed: true,
      remaining: 2,
    });
    expect((await store.hit({ key, cost: 1, now }))[0]).toMatchObject({
      allowed: true,
      remaining: 2,
    });
    // Written back in this format, which the next check reads.
    expect((await redis.hgetBuffer(store.keyOf(key), 'minute'))?.readUInt8(0)).toBe(1);
    expect((await store.hit({ key, cost: 1, now }))[0]).toMatchObject({ remaining: 1 });
    await cleanup();
  });

  it('sends one EVALSHA per check of a two-policy route, and reloads the script after SCRIPT FLUSH', async () => {
    const { prefix, cleanup } = isolatedRedisPrefix(redis);
    const store = new RedisRateLimitStore({ redis, keyPrefix: prefix });
    const key = TWO_POLICY_KEY;
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

describe('RedisRateLimitStore without a server', () => {
  const key = TWO_POLICY_KEY;
  /** A client whose scripts answer `reply`. */
  const answering = (reply: unknown) => ({
    evalsha: () => Promise.resolve(reply),
    eval: () => Promise.resolve(reply),
  });

  it('takes an ioredis Redis or Cluster as its client, by type', () => {
    expectTypeOf<Redis>().toExtend<RedisRateLimitClient>();
    expectTypeOf<Cluster>().toExtend<RedisRateLimitClient>();
  });

  it('refuses at start-up a client without eval, naming the option', () => {
    const build = () =>
      new RedisRateLimitStore({ redis: { evalsha: answering(null).evalsha } as never });
    expect(build).toThrow(RampartConfigError);
    expect(build).toThrow(/RedisRateLimitStore\.redis/);
  });

  it('reads the reply of a check: four numbers a policy', async () => {
    const store = new RedisRateLimitStore({
      redis: answering([1, 9, 100, 0, 0, 0, 3_600_000, 42_000]),
    });
    expect(await store.hit({ key, cost: 1, now: 0 })).toEqual([
      { allowed: true, remaining: 9, resetMs: 100, retryAfterMs: 0 },
      { allowed: false, remaining: 0, resetMs: 3_600_000, retryAfterMs: 42_000 },
    ]);
  });

  it.each([
    ['a binary reply', Buffer.alloc(64)],
    ['a reply one policy short', [1, 9, 100, 0]],
    ['a reply holding text', [1, 9, 100, 0, 1, 9, '100', 0]],
    ['a text reply', '1,9,100,0'],
  ])(
    'fails the check on %s as an unavailable store, never with made-up counts',
    async (_name, reply) => {
      const store = new RedisRateLimitStore({ redis: answering(reply) });
      const error = await store.hit({ key, cost: 1, now: 0 }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ status: 503, code: 'ERR_STORE_UNAVAILABLE' });
      expect(String((error as Error).cause)).toMatch(/unexpected script reply/);
    },
  );
});
