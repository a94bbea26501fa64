import { createServer, type Server, type Socket } from 'node:net';
import {
  type IsolatedPostgresSchema,
  isolatedPostgresSchema,
  serviceAvailable,
  warningsWithCode,
} from '@rampart/test-utils';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock.js';
import { StoreUnavailableError } from '../src/errors/common-errors.js';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import { nonceKey } from '../src/nonce-store.js';
import { migrate, NONCE_TABLE, nonceStoreMigrations, PostgresNonceStore } from '../src/postgres.js';
import { describeNonceStoreConformance } from '../src/testing.js';

const hasPostgres = await serviceAvailable('postgres');

// biome-ignore lint/suspicious/noExplicitAny: the store takes an untyped Kysely
function kyselyOn(port: number, options: pg.PoolConfig = {}): Kysely<any> {
  const pool = new pg.Pool({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'test',
    ...options,
  });
  pool.on('error', () => {});
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

async function expiresAt(target: IsolatedPostgresSchema, key: string): Promise<number | undefined> {
  const row = await target.db
    .withSchema(target.schema)
    .selectFrom(NONCE_TABLE)
    .select('expires_at')
    .where('key', '=', key)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.expires_at);
}

async function rowCount(target: IsolatedPostgresSchema): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from ${sql.id(target.schema, NONCE_TABLE)}
  `.execute(target.db);
  return rows[0]?.n ?? -1;
}

describe('PostgresNonceStore options', () => {
  const db = { insertInto() {}, withSchema() {}, executeQuery() {} } as never;

  it.each([
    ['a missing db', {}, 'PostgresNonceStore.db'],
    ['an upper-case schema', { db, schema: 'Public' }, 'PostgresNonceStore.schema'],
    ['a schema with a quote', { db, schema: 'x"y' }, 'PostgresNonceStore.schema'],
    ['a clock without now()', { db, clock: {} }, 'PostgresNonceStore.clock'],
    ['an unknown option', { db, unlogged: true }, 'PostgresNonceStore.unlogged'],
  ])('refuses %s at construction', (_name, options, option) => {
    expect(() => new PostgresNonceStore(options as never)).toThrow(RampartConfigError);
    try {
      new PostgresNonceStore(options as never);
    } catch (error) {
      expect((error as RampartConfigError).option).toBe(option);
    }
  });
});

describe.skipIf(!hasPostgres)('PostgresNonceStore on Postgres', () => {
  let shared: IsolatedPostgresSchema;

  beforeAll(async () => {
    shared = await isolatedPostgresSchema({ max: 20 });
    await migrate(shared.db, [nonceStoreMigrations], { schema: shared.schema });
  });
  afterAll(async () => {
    await shared?.cleanup();
  });

  // One migrated schema for the whole suite: every conformance test uses fresh nonces.
  describeNonceStoreConformance('postgres', () => {
    const clock = createFakeClock(Date.now());
    return {
      // A generous timeout: the suite checks outcomes; speed is measured in bench/.
      store: new PostgresNonceStore({
        db: shared.db,
        schema: shared.schema,
        clock,
        queryTimeoutMs: 10_000,
      }),
      elapse: async (ms) => clock.advance(ms),
    };
  });

  it('on a schema migrate() never ran on: a 503, and one warning that says to run it', async () => {
    const bare = await isolatedPostgresSchema({ max: 2 });
    try {
      const store = new PostgresNonceStore({
        db: bare.db,
        schema: bare.schema,
        purgeIntervalMs: 0,
      });
      const warnings = await warningsWithCode('RAMPART_POSTGRES_NOT_MIGRATED', async () => {
        for (let i = 0; i < 3; i++) {
          await expect(store.claim('k', `unmigrated-${i}`, 1000)).rejects.toMatchObject({
            status: 503,
            code: 'ERR_STORE_UNAVAILABLE',
          });
        }
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain('migrate(');
      expect(warnings[0]?.message).toContain(bare.schema);
    } finally {
      await bare.cleanup();
    }
  });

  it('takes over an expired row in place, with the new expiry', async () => {
    const clock = createFakeClock(Date.now());
    const store = new PostgresNonceStore({
      db: shared.db,
      schema: shared.schema,
      clock,
      purgeIntervalMs: 0,
    });
    const key = nonceKey('takeover', 'n1');
    expect(await store.claim('takeover', 'n1', 1000)).toBe(true);
    expect(await expiresAt(shared, key)).toBe(clock.now() + 1000);
    clock.advance(999);
    expect(await store.claim('takeover', 'n1', 1000)).toBe(false);
    clock.advance(1); // expires_at <= now: expired
    expect(await store.claim('takeover', 'n1', 5000)).toBe(true);
    expect(await expiresAt(shared, key)).toBe(clock.now() + 5000);
    expect(await store.claim('takeover', 'n1', 5000)).toBe(false);
  });

  it('lets exactly one of 500 concurrent claims take over an expired row', async () => {
    const clock = createFakeClock(Date.now());
    const store = new PostgresNonceStore({
      db: shared.db,
      schema: shared.schema,
      clock,
      purgeIntervalMs: 0,
      queryTimeoutMs: 10_000,
    });
    expect(await store.claim('takeover-race', 'n', 100)).toBe(true);
    clock.advance(100);
    const results = await Promise.all(
      Array.from({ length: 500 }, () => store.claim('takeover-race', 'n', 10_000)),
    );
    expect(results.filter((won) => won)).toHaveLength(1);
  });

  it('keeps schemas apart', async () => {
    const other = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(other.db, [nonceStoreMigrations], { schema: other.schema });
      const a = new PostgresNonceStore({ db: shared.db, schema: shared.schema });
      const b = new PostgresNonceStore({ db: other.db, schema: other.schema });
      expect(await a.claim('schemas', 'same', 5000)).toBe(true);
      expect(await b.claim('schemas', 'same', 5000)).toBe(true);
      expect(await rowCount(other)).toBe(1);
    } finally {
      await other.cleanup();
    }
  });

  it('purges expired rows in batches and keeps live ones', async () => {
    const target = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(target.db, [nonceStoreMigrations], { schema: target.schema });
      const clock = createFakeClock(Date.now());
      const store = new PostgresNonceStore({
        db: target.db,
        schema: target.schema,
        clock,
        purgeIntervalMs: 0,
      });
      for (let i = 0; i < 20; i++) await store.claim('purge', `short-${i}`, 1000);
      for (let i = 0; i < 5; i++) await store.claim('purge', `long-${i}`, 60_000);
      clock.advance(1000);
      const batches: number[] = [];
      for (let deleted = -1; deleted !== 0; ) {
        deleted = await store.purgeExpired({ batchSize: 7 });
        batches.push(deleted);
      }
      expect(batches).toEqual([7, 7, 6, 0]);
      expect(await rowCount(target)).toBe(5);
      expect(await store.claim('purge', 'long-0', 60_000)).toBe(false);
      await expect(store.purgeExpired({ batchSize: 0 })).rejects.toThrow(RampartConfigError);
    } finally {
      await target.cleanup();
    }
  });

  it('purges on its own every purgeIntervalMs, in the background', async () => {
    const target = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(target.db, [nonceStoreMigrations], { schema: target.schema });
      const clock = createFakeClock(Date.now());
      const store = new PostgresNonceStore({
        db: target.db,
        schema: target.schema,
        clock,
        purgeIntervalMs: 60_000,
      });
      for (let i = 0; i < 3; i++) await store.claim('auto', `n-${i}`, 1000);
      clock.advance(60_000);
      expect(await store.claim('auto', 'trigger', 120_000)).toBe(true);
      await expect.poll(() => rowCount(target), { timeout: 2000 }).toBe(1);
    } finally {
      await target.cleanup();
    }
  });

  it('fails with StoreUnavailableError when its table is missing (no migration)', async () => {
    const store = new PostgresNonceStore({ db: shared.db, schema: 'rampart_no_such_schema' });
    await expect(store.claim('s', 'n', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('PostgresNonceStore with Postgres unreachable', () => {
  it('rejects with StoreUnavailableError when the connection is refused', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const db = kyselyOn(port);
    try {
      const error = await new PostgresNonceStore({ db })
        .claim('s', 'n', 1000)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ status: 503, store: 'postgres-nonce-store' });
    } finally {
      await db.destroy();
    }
  });

  it('rejects within queryTimeoutMs when the server accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as { port: number };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // pg's own connect timeout ends the hung connection attempt after the test's deadline.
    const db = kyselyOn(port, { connectionTimeoutMillis: 400 });
    try {
      const store = new PostgresNonceStore({ db, queryTimeoutMs: 150 });
      const started = performance.now();
      const error = await store.claim('s', 'n', 1000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started).toBeLessThan(150 + 100);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
      await db.destroy();
    }
  });
});
