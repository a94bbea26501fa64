import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import {
  MemorySessionStore,
  MemoryTrustedDeviceStore,
  type SessionStore,
  type TrustedDeviceStore,
} from '../../src/index.js';
import {
  PostgresSessionStore,
  PostgresTrustedDeviceStore,
  sessionsMigrations,
} from '../../src/postgres.js';
import { RedisSessionStore, RedisTrustedDeviceStore } from '../../src/redis.js';

export const hasRedis = await serviceAvailable('redis');
export const hasPostgres = await serviceAvailable('postgres');

/** Both stores of the package on one backend, and how to read what it holds raw. */
export interface StoresUnderTest {
  sessions: SessionStore;
  devices: TrustedDeviceStore;
  /** The Redis key prefix or Postgres schema the stores write to ('' in memory). */
  namespace: string;
  /** Every key and value (Redis) or row (Postgres) the stores wrote, as text. */
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

async function redisStores(): Promise<StoresUnderTest> {
  const redis: Redis = createRedisClient();
  const isolated = isolatedRedisPrefix(redis);
  return {
    sessions: new RedisSessionStore({ redis, keyPrefix: isolated.prefix }),
    devices: new RedisTrustedDeviceStore({ redis, keyPrefix: isolated.prefix }),
    namespace: isolated.prefix,
    async dump() {
      const [, keys] = await redis.scan('0', 'MATCH', `${isolated.prefix}*`, 'COUNT', 10_000);
      const parts: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'hash' ? await redis.hgetall(key) : await redis.zrange(key, 0, -1, 'WITHSCORES');
        parts.push(key, JSON.stringify(value));
      }
      return parts.join('\n');
    },
    cleanup: async () => {
      await isolated.cleanup();
      await redis.quit();
    },
  };
}

async function postgresStores(): Promise<StoresUnderTest> {
  const pg = await isolatedPostgresSchema({ max: 25 });
  await migrate(pg.db, [sessionsMigrations], { schema: pg.schema });
  return {
    sessions: new PostgresSessionStore({ db: pg.db, schema: pg.schema, purgeIntervalMs: 0 }),
    devices: new PostgresTrustedDeviceStore({ db: pg.db, schema: pg.schema }),
    namespace: pg.schema,
    async dump() {
      const parts: string[] = [];
      for (const table of [
        'rampart_sessions_sessions',
        'rampart_sessions_users',
        'rampart_sessions_devices',
      ]) {
        const { rows } = await pg.pool.query(`select * from "${pg.schema}"."${table}"`);
        parts.push(table, JSON.stringify(rows));
      }
      return parts.join('\n');
    },
    cleanup: pg.cleanup,
  };
}

/** The three shipped backends, each skipped (loudly, by serviceAvailable) without its server. */
export const BACKENDS: Array<[string, boolean, () => Promise<StoresUnderTest>]> = [
  [
    'memory',
    true,
    async () => {
      const sessions = new MemorySessionStore({ sweepIntervalMs: 0 });
      return {
        sessions,
        devices: new MemoryTrustedDeviceStore(),
        namespace: '',
        dump: async () => '',
        cleanup: async () => sessions.close(),
      };
    },
  ],
  ['redis', hasRedis, redisStores],
  ['postgres', hasPostgres, postgresStores],
];
