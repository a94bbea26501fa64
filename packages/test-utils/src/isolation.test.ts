import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedPostgresSchema } from './postgres.js';
import {
  createRedisClient,
  deleteRedisPrefix,
  isolatedRedisPrefix,
  redisUrlOptions,
} from './redis.js';
import { serviceAvailable } from './services.js';
import { startTcpProxy } from './tcp-proxy.js';

const hasRedis = await serviceAvailable('redis');
const hasPostgres = await serviceAvailable('postgres');

describe.skipIf(!hasRedis)('isolated Redis prefixes', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = createRedisClient();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('deletes every key under its prefix and nothing else', async () => {
    const mine = isolatedRedisPrefix(redis);
    const other = isolatedRedisPrefix(redis);
    expect(mine.prefix).toMatch(/^rampart-test:[0-9a-f]{16}:$/);
    const keys = Array.from({ length: 1200 }, (_, i) => `${mine.prefix}${i}`);
    await redis.mset(...keys.flatMap((key) => [key, '1']));
    await redis.set(`${other.prefix}keep`, '1');
    await mine.cleanup();
    expect(await redis.exists(...keys.slice(0, 50))).toBe(0);
    expect(await redis.get(`${other.prefix}keep`)).toBe('1');
    await other.cleanup();
  });

  it('refuses a prefix that would match other keys', async () => {
    await expect(deleteRedisPrefix(redis, 'rampart-test:*')).rejects.toThrow(/glob/);
  });

  it('proxies to Redis, and cuts clients off while stopped', async () => {
    const { host = '127.0.0.1', port = 6379 } = redisUrlOptions();
    const proxy = await startTcpProxy({ host, port });
    const client = createRedisClient({
      host: '127.0.0.1',
      port: proxy.port,
      maxRetriesPerRequest: 0,
    });
    try {
      expect(await client.ping()).toBe('PONG');
      await proxy.stop();
      await expect(client.ping()).rejects.toThrow();
      await proxy.start();
      await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 5000 }).toBe('PONG');
    } finally {
      client.disconnect();
      await proxy.stop();
    }
  });
});

describe.skipIf(!hasPostgres)('isolated Postgres schemas', () => {
  it('creates a schema of its own and drops it with everything in it', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    expect(pg.schema).toMatch(/^rampart_test_[0-9a-f]{12}$/);
    await pg.db.schema.withSchema(pg.schema).createTable('t').addColumn('id', 'integer').execute();
    const probe = await isolatedPostgresSchema({ max: 1 });
    try {
      await pg.cleanup();
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_namespace where nspname = ${pg.schema}
      `.execute(probe.db);
      expect(rows[0]?.n).toBe(0);
    } finally {
      await probe.cleanup();
    }
  });
});
