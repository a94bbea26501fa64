import type { PostgresMigrations } from '@rampart/core/postgres';
import {
  MemorySessionStore,
  MemoryTrustedDeviceStore,
  type SessionStore,
  type TrustedDeviceStore,
} from '@rampart/sessions';
import type { Kysely } from 'kysely';

/** The sessions' state on one backend: sessions and trusted devices. */
export interface SessionStores {
  readonly sessions: SessionStore;
  readonly devices: TrustedDeviceStore;
}

/** In this process. */
export function memorySessionStores(): SessionStores & { close(): void } {
  const sessions = new MemorySessionStore();
  return { sessions, devices: new MemoryTrustedDeviceStore(), close: () => sessions.close() };
}

/** On Redis, every key under `<RAMPART_KEY_PREFIX>sessions:`. */
export async function redisSessionStores(
  redis: import('@rampart/sessions/redis').RedisTrustedDeviceStoreClient,
  prefix: string,
): Promise<SessionStores> {
  const { RedisSessionStore, RedisTrustedDeviceStore } = await import('@rampart/sessions/redis');
  const keyPrefix = `${prefix}sessions:`;
  return {
    sessions: new RedisSessionStore({ redis, keyPrefix }),
    devices: new RedisTrustedDeviceStore({ redis, keyPrefix }),
  };
}

/** On Postgres, in `schema` (run {@link sessionMigrations} first). */
export async function postgresSessionStores(
  // biome-ignore lint/suspicious/noExplicitAny: the app's untyped database
  db: Kysely<any>,
  schema: string,
): Promise<SessionStores> {
  const { PostgresSessionStore, PostgresTrustedDeviceStore } = await import(
    '@rampart/sessions/postgres'
  );
  return {
    sessions: new PostgresSessionStore({ db, schema }),
    devices: new PostgresTrustedDeviceStore({ db, schema }),
  };
}

/** The migrations of the Postgres session stores, for the app's `migrate()` list. */
export async function sessionMigrations(): Promise<PostgresMigrations> {
  return (await import('@rampart/sessions/postgres')).sessionsMigrations;
}
