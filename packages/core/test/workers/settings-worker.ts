/**
 * One process of the cross-process settings test (run by runInWorkers). The writer changes the
 * settings, then raises a marker document; each reader first syncs the old version, waits for the
 * marker, then serves one "request": one sync, reporting what it saw. The marker is raised only
 * after the change is acknowledged, so a reader that saw it started its request after the change.
 */
import { createRedisClient, databaseUrl } from '@rampart/test-utils';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PostgresSettingsStore } from '../../src/settings/postgres-settings-store.js';
import { RedisSettingsStore } from '../../src/settings/redis-settings-store.js';
import { createSecuritySettings } from '../../src/settings/runtime-settings.js';
import type { SettingsStore } from '../../src/settings/settings-store.js';

export interface SettingsWorkerInput {
  readonly backend: 'redis' | 'postgres';
  /** Redis key prefix or Postgres schema. */
  readonly namespace: string;
  readonly role: 'writer' | 'reader';
}

export interface SettingsWorkerOutput {
  readonly versionBefore: number;
  readonly versionAfter: number;
  readonly maxConcurrentSessions: number;
  readonly ipBlacklist: readonly string[];
}

export default async function prepare(input: SettingsWorkerInput) {
  let store: SettingsStore;
  let close: () => Promise<unknown>;
  if (input.backend === 'redis') {
    const redis = createRedisClient();
    store = new RedisSettingsStore({ redis, keyPrefix: input.namespace });
    close = () => redis.quit();
  } else {
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: databaseUrl(), max: 2 }),
      }),
    });
    store = new PostgresSettingsStore({ db, schema: input.namespace });
    close = () => db.destroy();
  }
  const settings = await createSecuritySettings({ store });
  const versionBefore = settings.version;

  return async function run(): Promise<SettingsWorkerOutput> {
    try {
      if (input.role === 'writer') {
        await settings.update({
          authentication: { maxConcurrentSessions: 2 },
          security: { ipBlacklist: ['198.51.100.0/24'] },
        });
        if ((await store.compareAndSet('marker', 0, '{}')) !== 1)
          throw new Error('marker raised twice');
      } else {
        const deadline = Date.now() + 20_000;
        while ((await store.read('marker', 0)).version === 0) {
          if (Date.now() > deadline) throw new Error('the writer never raised the marker');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await settings.sync();
      }
      const current = settings.current();
      return {
        versionBefore,
        versionAfter: settings.version,
        maxConcurrentSessions: current.authentication.maxConcurrentSessions,
        ipBlacklist: current.security.ipBlacklist,
      };
    } finally {
      await close();
    }
  };
}
