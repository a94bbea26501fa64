import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { describe } from 'vitest';
import { MemoryOAuthLinkStore } from '../src/index.js';
import { oauthMigrations, PostgresOAuthLinkStore } from '../src/postgres.js';
import { RedisOAuthLinkStore } from '../src/redis.js';
import { describeOAuthLinkStoreConformance } from '../src/testing.js';

const hasRedis = await serviceAvailable('redis');
const hasPostgres = await serviceAvailable('postgres');

describeOAuthLinkStoreConformance('memory', () => ({ store: new MemoryOAuthLinkStore() }));

describe.runIf(hasRedis)('redis', () => {
  describeOAuthLinkStoreConformance('redis', async () => {
    const redis = createRedisClient();
    const isolated = isolatedRedisPrefix(redis);
    return {
      store: new RedisOAuthLinkStore({ redis, keyPrefix: isolated.prefix }),
      cleanup: async () => {
        await isolated.cleanup();
        await redis.quit();
      },
    };
  });
});

describe.runIf(hasPostgres)('postgres', () => {
  describeOAuthLinkStoreConformance('postgres', async () => {
    const pg = await isolatedPostgresSchema({ max: 25 });
    await migrate(pg.db, [oauthMigrations], { schema: pg.schema });
    return {
      store: new PostgresOAuthLinkStore({ db: pg.db, schema: pg.schema }),
      cleanup: () => pg.cleanup(),
    };
  });
});
