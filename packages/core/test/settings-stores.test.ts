import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  runInWorkers,
  serviceAvailable,
} from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/postgres/migrate.js';
import {
  PostgresSettingsStore,
  settingsStoreMigrations,
} from '../src/settings/postgres-settings-store.js';
import { RedisSettingsStore } from '../src/settings/redis-settings-store.js';
import { createSecuritySettings } from '../src/settings/runtime-settings.js';
import type { SettingsStore } from '../src/settings/settings-store.js';
import { describeSettingsStoreConformance } from '../src/settings/settings-store-conformance.js';
import type { SettingsWorkerInput, SettingsWorkerOutput } from './workers/settings-worker.js';

const hasRedis = await serviceAvailable('redis');
const hasPostgres = await serviceAvailable('postgres');
const WORKER = new URL('./workers/settings-worker.ts', import.meta.url);

/** The invalid patch leaves the old version, seen from the other instance too. */
async function expectInvalidPatchChangesNothing(
  one: SettingsStore,
  two: SettingsStore,
): Promise<void> {
  const a = await createSecuritySettings({ store: one });
  const b = await createSecuritySettings({ store: two });
  await a.update({ rateLimit: { maxRequests: 42 } });
  await expect(
    a.update({ rateLimit: { maxRequests: -1 }, security: { corsOrigins: ['*'] } }),
  ).rejects.toMatchObject({
    code: 'ERR_SETTINGS_INVALID',
  });
  await b.sync();
  expect(b.version).toBe(1);
  expect(b.current().rateLimit.maxRequests).toBe(42);
  expect(b.current().security.corsOrigins).toEqual([]);
}

/** Three processes: one writes, two had synced the old version and serve one request after. */
async function expectSeenAcrossProcesses(
  backend: 'redis' | 'postgres',
  namespace: string,
): Promise<void> {
  const inputs: SettingsWorkerInput[] = [
    { backend, namespace, role: 'writer' },
    { backend, namespace, role: 'reader' },
    { backend, namespace, role: 'reader' },
  ];
  const outputs = await runInWorkers<SettingsWorkerInput, SettingsWorkerOutput>(WORKER, inputs);
  for (const output of outputs) {
    expect(output).toEqual({
      versionBefore: 0,
      versionAfter: 1,
      maxConcurrentSessions: 2,
      ipBlacklist: ['198.51.100.0/24'],
    });
  }
}

describe.skipIf(!hasRedis)('RedisSettingsStore', () => {
  const redis = createRedisClient();
  afterAll(() => redis.quit());

  describeSettingsStoreConformance('redis', async () => {
    const isolated = isolatedRedisPrefix(redis);
    const other = createRedisClient();
    return {
      store: new RedisSettingsStore({ redis, keyPrefix: isolated.prefix }),
      twin: new RedisSettingsStore({ redis: other, keyPrefix: isolated.prefix }),
      cleanup: async () => {
        await isolated.cleanup();
        await other.quit();
      },
    };
  });

  it('keeps the old version after an invalid patch, on both instances', async () => {
    const isolated = isolatedRedisPrefix(redis);
    const other = createRedisClient();
    try {
      await expectInvalidPatchChangesNothing(
        new RedisSettingsStore({ redis, keyPrefix: isolated.prefix }),
        new RedisSettingsStore({ redis: other, keyPrefix: isolated.prefix }),
      );
    } finally {
      await isolated.cleanup();
      await other.quit();
    }
  });

  it('shows a change made in one process to the next request of the others', async () => {
    const isolated = isolatedRedisPrefix(redis);
    try {
      await expectSeenAcrossProcesses('redis', isolated.prefix);
    } finally {
      await isolated.cleanup();
    }
  }, 60_000);

  it('refuses bad options naming them', () => {
    expect(() => new RedisSettingsStore({ redis: {} as never })).toThrow(
      expect.objectContaining({ option: 'RedisSettingsStore.redis' }),
    );
  });
});

describe.skipIf(!hasPostgres)('PostgresSettingsStore', () => {
  let shared: Awaited<ReturnType<typeof isolatedPostgresSchema>>;
  beforeAll(async () => {
    shared = await isolatedPostgresSchema({ max: 10 });
    await migrate(shared.db, [settingsStoreMigrations], { schema: shared.schema });
  });
  afterAll(() => shared?.cleanup());

  describeSettingsStoreConformance('postgres', async () => {
    const isolated = await isolatedPostgresSchema({ max: 10 });
    await migrate(isolated.db, [settingsStoreMigrations], { schema: isolated.schema });
    return {
      store: new PostgresSettingsStore({ db: isolated.db, schema: isolated.schema }),
      twin: new PostgresSettingsStore({ db: isolated.db, schema: isolated.schema }),
      cleanup: () => isolated.cleanup(),
    };
  });

  it('keeps the old version after an invalid patch, on both instances', async () => {
    const isolated = await isolatedPostgresSchema({ max: 4 });
    try {
      await migrate(isolated.db, [settingsStoreMigrations], { schema: isolated.schema });
      await expectInvalidPatchChangesNothing(
        new PostgresSettingsStore({ db: isolated.db, schema: isolated.schema }),
        new PostgresSettingsStore({ db: isolated.db, schema: isolated.schema }),
      );
    } finally {
      await isolated.cleanup();
    }
  });

  it('shows a change made in one process to the next request of the others', async () => {
    await expectSeenAcrossProcesses('postgres', shared.schema);
  }, 60_000);
});
