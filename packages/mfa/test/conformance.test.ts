import { createFakeClock } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { describe } from 'vitest';
import { MemoryMfaStore } from '../src/index.js';
import { mfaMigrations, PostgresMfaStore } from '../src/postgres.js';
import { RedisMfaStore } from '../src/redis.js';
import { describeMfaStoreConformance } from '../src/testing.js';

describeMfaStoreConformance('MemoryMfaStore', () => {
  const clock = createFakeClock(Date.now());
  return {
    store: new MemoryMfaStore(),
    now: () => clock.now(),
    elapse: async (ms) => clock.advance(ms),
  };
});

const hasRedis = await serviceAvailable('redis');
describe.skipIf(!hasRedis)('redis', () => {
  describeMfaStoreConformance('RedisMfaStore', () => {
    const redis = createRedisClient();
    const isolated = isolatedRedisPrefix(redis);
    return {
      store: new RedisMfaStore({ redis, keyPrefix: isolated.prefix }),
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
  describeMfaStoreConformance('PostgresMfaStore', async () => {
    const pg = await isolatedPostgresSchema({ max: 25 });
    await migrate(pg.db, [mfaMigrations], { schema: pg.schema });
    const clock = createFakeClock(Date.now());
    return {
      store: new PostgresMfaStore({ db: pg.db, schema: pg.schema, clock }),
      now: () => clock.now(),
      elapse: async (ms) => clock.advance(ms),
      cleanup: pg.cleanup,
    };
  });
});
