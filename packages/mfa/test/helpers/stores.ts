import { createFakeClock, type FakeClock, type SecurityEvent } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import { createKeyedHasher, createKeyRing, generateKey } from '@rampart/crypto';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import {
  createMfa,
  MemoryMfaStore,
  type Mfa,
  type MfaOptions,
  type MfaStore,
} from '../../src/index.js';
import { mfaMigrations, PostgresMfaStore } from '../../src/postgres.js';
import { RedisMfaStore } from '../../src/redis.js';

export const hasRedis = await serviceAvailable('redis');
export const hasPostgres = await serviceAvailable('postgres');

/** A store, and a way to read back everything it holds as text (for the never-in-clear checks). */
export interface StoreUnderTest {
  store: MfaStore;
  /** Every value the backend holds for this test, as one string; memory answers its public reads. */
  dump(userIds: readonly string[]): Promise<string>;
  cleanup(): Promise<void>;
}

/** The three shipped stores, each skipped (loudly, by serviceAvailable) without its server. */
export const STORES: Array<[string, boolean, () => Promise<StoreUnderTest>]> = [
  [
    'memory',
    true,
    async () => {
      const store = new MemoryMfaStore();
      return {
        store,
        dump: async (userIds) =>
          JSON.stringify(await Promise.all(userIds.map((id) => store.read(id, Date.now())))),
        cleanup: async () => {},
      };
    },
  ],
  [
    'redis',
    hasRedis,
    async () => {
      const redis: Redis = createRedisClient();
      const isolated = isolatedRedisPrefix(redis);
      return {
        store: new RedisMfaStore({ redis, keyPrefix: isolated.prefix }),
        dump: async () => dumpRedis(redis, isolated.prefix),
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
      await migrate(pg.db, [mfaMigrations], { schema: pg.schema });
      return {
        store: new PostgresMfaStore({ db: pg.db, schema: pg.schema }),
        dump: async () => dumpPostgres(pg.db, pg.schema),
        cleanup: pg.cleanup,
      };
    },
  ],
];

async function dumpRedis(redis: Redis, prefix: string): Promise<string> {
  const keys = await redis.keys(`${prefix}*`);
  const values: unknown[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'hash') values.push(key, await redis.hgetall(key));
    else if (type === 'set') values.push(key, await redis.smembers(key));
    else values.push(key, await redis.get(key));
  }
  return JSON.stringify(values);
}

// biome-ignore lint/suspicious/noExplicitAny: the test's schema is not typed
async function dumpPostgres(db: Kysely<any>, schema: string): Promise<string> {
  const rows: unknown[] = [];
  for (const table of [
    'rampart_mfa_users',
    'rampart_mfa_recovery_codes',
    'rampart_mfa_challenges',
  ]) {
    rows.push(await db.withSchema(schema).selectFrom(table).selectAll().execute());
  }
  return JSON.stringify(rows);
}

/** A service on `store` with a fake clock, fresh keys, and the events it emitted. */
export function serviceOn(store: MfaStore, overrides: Partial<MfaOptions> = {}) {
  const clock: FakeClock = createFakeClock(Date.now());
  const events: SecurityEvent[] = [];
  const mfa: Mfa = createMfa({
    store,
    keyRing: createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] }),
    hasher: createKeyedHasher({ keys: [{ id: 'p1', key: generateKey() }] }),
    issuer: 'Rampart Test',
    clock,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { mfa, clock, events };
}

/** The base32 secret of an otpauth URI, as bytes. */
export function secretOf(otpauthUrl: string): Uint8Array {
  const base32 = new URL(otpauthUrl).searchParams.get('secret') ?? '';
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of base32) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const bytes = new Uint8Array(Math.floor(bits.length / 8));
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(bits.slice(index * 8, index * 8 + 8), 2);
  }
  return bytes;
}
