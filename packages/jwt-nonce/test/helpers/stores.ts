import { type Clock, createFakeClock, type FakeClock, systemClock } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { type JwtNonceStore, MemoryJwtNonceStore } from '../../src/index.js';
import { jwtNonceMigrations, PostgresJwtNonceStore } from '../../src/postgres.js';
import { RedisJwtNonceStore } from '../../src/redis.js';

/** A store to run service tests on, with the clock the service must share with it. */
export interface StoreUnderTest {
  store: JwtNonceStore;
  clock: Clock;
  /** Only for stores that keep time in the process. */
  fakeClock: FakeClock | undefined;
  cleanup(): Promise<void>;
}

export const hasRedis = await serviceAvailable('redis');
export const hasPostgres = await serviceAvailable('postgres');

/** The three shipped stores, each skipped (loudly, by serviceAvailable) without its server. */
export const STORES: Array<[string, boolean, () => Promise<StoreUnderTest>]> = [
  [
    'memory',
    true,
    async () => {
      const clock = createFakeClock(Date.now());
      const store = new MemoryJwtNonceStore({ clock, sweepIntervalMs: 0 });
      return { store, clock, fakeClock: clock, cleanup: async () => store.close() };
    },
  ],
  [
    'redis',
    hasRedis,
    async () => {
      const redis = createRedisClient();
      const isolated = isolatedRedisPrefix(redis);
      return {
        store: new RedisJwtNonceStore({ redis, keyPrefix: isolated.prefix }),
        // Redis keeps time for TTLs, so the service runs on the real clock.
        clock: systemClock,
        fakeClock: undefined,
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
      const pg = await isolatedPostgresSchema({ max: 25 });
      await migrate(pg.db, [jwtNonceMigrations], { schema: pg.schema });
      const clock = createFakeClock(Date.now());
      return {
        store: new PostgresJwtNonceStore({ db: pg.db, schema: pg.schema, clock }),
        clock,
        fakeClock: clock,
        cleanup: pg.cleanup,
      };
    },
  ],
];
