import { randomBytes } from 'node:crypto';
import { createRedisClient, serviceAvailable } from '@rampart/test-utils';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { StoreUnavailableError } from '../src/errors/common-errors.js';
import { isRampartError, RampartError } from '../src/errors/rampart-error.js';
import {
  defaultRedisPrefix,
  hashTag,
  RedisScript,
  type RedisScriptClient,
  redisKey,
  redisKeyPrefixSchema,
  withTimeout,
} from '../src/redis.js';

/** The part of a key Redis Cluster hashes: between the first `{` and the next `}`, if non-empty. */
function clusterHashPart(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('redisKey and hashTag', () => {
  it('builds rampart:<package>: defaults', () => {
    expect(defaultRedisPrefix('rate-limit')).toBe('rampart:rate-limit:');
    expect(() => defaultRedisPrefix('Rate Limit')).toThrow(TypeError);
  });

  it('escapes parts so different part lists never make the same key', () => {
    expect(redisKey('p:', 'a:b', 'c')).not.toBe(redisKey('p:', 'a', 'b:c'));
    expect(redisKey('p:', 'a%3Ab')).not.toBe(redisKey('p:', 'a:b'));
    expect(redisKey('p:', 'GET /items', 'x')).toBe('p:GET /items:x');
  });

  it('lets only the hash tag decide the Cluster slot', () => {
    const tag = hashTag('user:{1}');
    const keys = [
      redisKey('rampart:x:', 'we{ird', tag, 'count'),
      redisKey('rampart:x:', tag, 'reset'),
    ];
    const slots = new Set(keys.map(clusterHashPart));
    expect(slots).toEqual(new Set([tag.hashTag.slice(1, -1)]));
  });

  it('keeps tags distinct: long values are hashed, empty values get a non-empty tag', () => {
    const long = 'u'.repeat(65);
    expect(hashTag(long).hashTag).toMatch(/^\{%h[A-Za-z0-9_-]{43}\}$/);
    expect(hashTag(long).hashTag).not.toBe(hashTag(`${long}x`).hashTag);
    expect(hashTag('').hashTag).toBe('{%-}');
    expect(hashTag('a').hashTag).not.toBe(hashTag('A').hashTag);
  });

  it.each(['', 'a b', 'app*', 'app?', 'a[b]', 'a\\b', 'app{x}:', 'é:', 'x'.repeat(129)])(
    'refuses the key prefix %j',
    (prefix) => {
      expect(redisKeyPrefixSchema.safeParse(prefix).success).toBe(false);
    },
  );

  it('accepts ordinary prefixes', () => {
    for (const prefix of ['rampart:nonce:', 'myapp/prod:', 'a']) {
      expect(redisKeyPrefixSchema.safeParse(prefix).success).toBe(true);
    }
  });
});

describe('withTimeout', () => {
  const options = { store: 'test-store', timeoutMs: 50 };

  it('resolves with the value of a prompt operation', async () => {
    await expect(withTimeout(async () => 42, options)).resolves.toBe(42);
  });

  it('turns a slow operation into StoreUnavailableError at the deadline, and swallows its late failure', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const started = performance.now();
      const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 120));
      const error = await withTimeout(() => late, options).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
        status: 503,
        store: 'test-store',
      });
      expect(elapsed).toBeGreaterThanOrEqual(45);
      expect(elapsed).toBeLessThan(110);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('turns a rejection or a synchronous throw into StoreUnavailableError, keeping the cause', async () => {
    const cause = new Error('ECONNREFUSED');
    const rejected = await withTimeout(() => Promise.reject(cause), options).catch(
      (e: unknown) => e,
    );
    expect(rejected).toBeInstanceOf(StoreUnavailableError);
    expect((rejected as Error).cause).toBe(cause);
    const thrown = await withTimeout(() => {
      throw cause;
    }, options).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(StoreUnavailableError);
  });

  it('lets a RampartError through unchanged', async () => {
    const invalid = new RampartError({
      status: 400,
      code: 'ERR_X',
      title: 'Bad request',
      detail: 'x',
    });
    const error = await withTimeout(() => Promise.reject(invalid), options).catch(
      (e: unknown) => e,
    );
    expect(error).toBe(invalid);
    expect(isRampartError(error)).toBe(true);
  });
});

describe('RedisScript with a scripted client', () => {
  it('takes ioredis Redis and Cluster instances as they are', () => {
    expectTypeOf<Redis>().toExtend<RedisScriptClient>();
    expectTypeOf<Cluster>().toExtend<RedisScriptClient>();
  });

  it('runs EVALSHA, and on NOSCRIPT sends the source once with EVAL', async () => {
    const calls: string[] = [];
    let known = false;
    const client: RedisScriptClient = {
      async evalsha(sha1, numkeys, ...args) {
        calls.push(`evalsha ${sha1.length} ${numkeys} ${args.join(',')}`);
        if (!known) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        return 'ok';
      },
      async eval(_source, numkeys, ...args) {
        calls.push(`eval ${numkeys} ${args.join(',')}`);
        known = true;
        return 'ok';
      },
    };
    const script = new RedisScript('return 1');
    expect(await script.run(client, ['k1', 'k2'], [5])).toBe('ok');
    expect(await script.run(client, ['k1', 'k2'], [5])).toBe('ok');
    expect(calls).toEqual(['evalsha 40 2 k1,k2,5', 'eval 2 k1,k2,5', 'evalsha 40 2 k1,k2,5']);
  });

  it('passes other errors through without retrying', async () => {
    const client: RedisScriptClient = {
      evalsha: async () => {
        throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
      },
      eval: async () => 'unexpected',
    };
    await expect(new RedisScript('return 1').run(client, [], [])).rejects.toThrow(/WRONGTYPE/);
  });
});

const hasRedis = await serviceAvailable('redis');

describe.skipIf(!hasRedis)('RedisScript on Redis', () => {
  let redis: Redis;
  const key = `rampart-test:${randomBytes(8).toString('hex')}:script`;

  beforeAll(() => {
    redis = createRedisClient();
  });
  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('loads an unknown script once, then runs it by SHA', async () => {
    // A unique comment makes a script the server cannot already know.
    const script = new RedisScript(
      `-- ${randomBytes(8).toString('hex')}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`,
    );
    const [before] = (await redis.script('EXISTS', script.sha1)) as number[];
    expect(before).toBe(0);
    expect(await script.run(redis, [key], [2])).toBe(2);
    const [after] = (await redis.script('EXISTS', script.sha1)) as number[];
    expect(after).toBe(1);
    expect(await script.run(redis, [key], [3])).toBe(5);
  });
});
