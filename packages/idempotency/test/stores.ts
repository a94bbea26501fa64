import { createFakeClock, type FakeClock } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { type IdempotencyStore, MemoryIdempotencyStore } from '../src/index.js';
import { idempotencyMigrations, PostgresIdempotencyStore } from '../src/postgres.js';
import { RedisIdempotencyStore } from '../src/redis.js';

/** A store to run tests on, with the fake clock it keeps time by. */
export interface StoreUnderTest {
  store: IdempotencyStore;
  clock: FakeClock;
  cleanup(): Promise<void>;
}

export const hasRedis = await serviceAvailable('redis');
export const hasPostgres = await serviceAvailable('postgres');

/** The three shipped stores: [name, available, make]. */
export const STORES: Array<[string, boolean, () => Promise<StoreUnderTest>]> = [
  [
    'memory',
    true,
    async () => {
      const clock = createFakeClock(Date.now());
      const store = new MemoryIdempotencyStore({ clock, sweepIntervalMs: 0 });
      return { store, clock, cleanup: async () => store.close() };
    },
  ],
  [
    'redis',
    hasRedis,
    async () => {
      const clock = createFakeClock(Date.now());
      const redis = createRedisClient();
      const isolated = isolatedRedisPrefix(redis);
      return {
        store: new RedisIdempotencyStore({ redis, keyPrefix: isolated.prefix, clock }),
        clock,
        cleanup: async () => {
          await isolated.cleanup();
          await redis.quit();
        },
      };
    },
  ],
  [
    'postgres',
    hasPostgres,
    async () => {
      const clock = createFakeClock(Date.now());
      const pg = await isolatedPostgresSchema({ max: 25 });
      await migrate(pg.db, [idempotencyMigrations], { schema: pg.schema });
      return {
        store: new PostgresIdempotencyStore({ db: pg.db, schema: pg.schema, clock }),
        clock,
        cleanup: pg.cleanup,
      };
    },
  ],
];
