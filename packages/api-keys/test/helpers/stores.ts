import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { type ApiKeyStore, MemoryApiKeyStore } from '../../src/index.js';
import { apiKeyMigrations, PostgresApiKeyStore } from '../../src/postgres.js';
import { RedisApiKeyStore } from '../../src/redis.js';

/** A store to run tests on, and what releases it. */
export interface StoreUnderTest {
  store: ApiKeyStore;
  /** The Redis key prefix or the Postgres schema, for other processes to open the same store. */
  place: string;
  cleanup(): Promise<void>;
}

export const hasRedis = await serviceAvailable('redis');
export const hasPostgres = await serviceAvailable('postgres');

export async function memoryStore(): Promise<StoreUnderTest> {
  return { store: new MemoryApiKeyStore(), place: 'memory', cleanup: async () => {} };
}

export async function redisStore(): Promise<StoreUnderTest> {
  const redis = createRedisClient();
  const isolated = isolatedRedisPrefix(redis);
  return {
    store: new RedisApiKeyStore({ redis, keyPrefix: isolated.prefix }),
    place: isolated.prefix,
    cleanup: async () => {
      await isolated.cleanup();
      await redis.quit();
    },
  };
}

export async function postgresStore(): Promise<StoreUnderTest> {
  const pg = await isolatedPostgresSchema({ max: 25 });
  await migrate(pg.db, [apiKeyMigrations], { schema: pg.schema });
  return {
    store: new PostgresApiKeyStore({ db: pg.db, schema: pg.schema }),
    place: pg.schema,
    cleanup: pg.cleanup,
  };
}

/** The three shipped stores, each skipped (loudly, by serviceAvailable) without its server. */
export const STORES: Array<[string, boolean, () => Promise<StoreUnderTest>]> = [
  ['memory', true, memoryStore],
  ['redis', hasRedis, redisStore],
  ['postgres', hasPostgres, postgresStore],
];
