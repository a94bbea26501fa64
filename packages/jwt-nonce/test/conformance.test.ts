import { createFakeClock } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import { describe } from 'vitest';
import { MemoryJwtNonceStore } from '../src/index.js';
import { jwtNonceMigrations, PostgresJwtNonceStore } from '../src/postgres.js';
import { RedisJwtNonceStore } from '../src/redis.js';
import { describeJwtNonceStoreConformance } from '../src/testing.js';

describeJwtNonceStoreConformance('MemoryJwtNonceStore', () => {
  const clock = createFakeClock(Date.now());
  const store = new MemoryJwtNonceStore({ clock, sweepIntervalMs: 0 });
  return {
    store,
    now: () => clock.now(),
    elapse: async (ms) => clock.advance(ms),
    cleanup: async () => store.close(),
  };
});

const hasRedis = await serviceAvailable('redis');
describe.skipIf(!hasRedis)('redis', () => {
  describeJwtNonceStoreConformance('RedisJwtNonceStore', () => {
    const redis: Redis = createRedisClient();
    const isolated = isolatedRedisPrefix(redis);
    return {
      store: new RedisJwtNonceStore({ redis, keyPrefix: isolated.prefix }),
      now: () => Date.now(),
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      cleanup: async () => {
        await isolated.cleanup();
        await redis.quit();
      },
    };
  });
});

const hasPostgres = await serviceAvailable('postgres');
describe.skipIf(!hasPostgres)('postgres', () => {
  describeJwtNonceStoreConformance('PostgresJwtNonceStore', async () => {
    const pg = await isolatedPostgresSchema({ max: 25 });
    await migrate(pg.db, [jwtNonceMigrations], { schema: pg.schema });
    const clock = createFakeClock(Date.now());
    return {
      store: new PostgresJwtNonceStore({ db: pg.db, schema: pg.schema, clock }),
      now: () => clock.now(),
      elapse: async (ms) => clock.advance(ms),
      cleanup: pg.cleanup,
    };
  });
});
