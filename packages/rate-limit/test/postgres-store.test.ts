import { createFakeClock } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import {
  type IsolatedPostgresSchema,
  isolatedPostgresSchema,
  serviceAvailable,
  warningsWithCode,
} from '@rampart/test-utils';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/limiter.js';
import { MAX_POLICIES, resolvePolicy } from '../src/policy.js';
import type { RateLimitKey } from '../src/store.js';
import { PostgresRateLimitStore, type PreparedStatementPool } from '../src/stores/postgres.js';
import {
  RATE_LIMIT_SET_TABLES,
  RATE_LIMIT_TABLE,
  rateLimitMigrations,
} from '../src/stores/postgres-migrations.js';
import { describeRateLimitStoreConformance } from '../src/testing.js';

const hasPostgres = await serviceAvailable('postgres');
const T0 = Date.UTC(2026, 0, 1);

/**
 * After an upgrade (every migration run over an older schema's rows): `burst` still blocked for
 * 10 minutes and `hour` still at 7; the refusal counts nothing, so `hour` then leaves 92.
 */
async function expectBlockedBurstAndHourAtSeven(
  pg: IsolatedPostgresSchema,
  key: RateLimitKey,
): Promise<void> {
  await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
  const store = new PostgresRateLimitStore({ db: pg.db, schema: pg.schema, purgeIntervalMs: 0 });
  const outcomes = await store.hit({ key, cost: 1, now: T0 + 1000 });
  expect(outcomes.map((o) => [o.allowed, o.remaining, o.retryAfterMs])).toEqual([
    [false, 0, 599_000],
    [true, 92, 0],
  ]);
  const [, hour] = await store.peek({ key, cost: 1, now: T0 + 2000 });
  expect(hour?.remaining).toBe(92);
}

/**
 * Runs `test` on a fresh schema migrated through its first `count` migrations only (an older
 * release's schema, for an upgrade test to fill and migrate the rest of the way), then drops it.
 */
async function onSchemaUpTo(
  count: number,
  test: (pg: IsolatedPostgresSchema) => Promise<void>,
): Promise<void> {
  const pg = await isolatedPostgresSchema({ max: 2 });
  try {
    const older = {
      name: 'rate_limit',
      migrations: rateLimitMigrations.migrations.slice(0, count),
    };
    await migrate(pg.db, [older], { schema: pg.schema });
    await test(pg);
  } finally {
    await pg.cleanup();
  }
}

/** The policy lists (`names` of each row key) with rows in the table of `width` policies, sorted. */
async function listsIn(pg: IsolatedPostgresSchema, width: 2 | 4 | 8): Promise<string[]> {
  const { rows } = await sql<{
    key: string;
  }>`select key from ${sql.id(pg.schema, RATE_LIMIT_SET_TABLES[width])}`.execute(pg.db);
  return rows.map((row) => row.key.split(':')[0] as string).sort();
}

/**
 * Runs `test` on a store (no purge timer) over a fresh schema with every migration, then drops
 * the schema.
 */
async function onMigratedStore(
  options: { connections: number; queryTimeoutMs?: number },
  test: (context: { store: PostgresRateLimitStore; pg: IsolatedPostgresSchema }) => Promise<void>,
): Promise<void> {
  const pg = await isolatedPostgresSchema({ max: options.connections });
  try {
    await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
    const store = new PostgresRateLimitStore({
      db: pg.db,
      schema: pg.schema,
      purgeIntervalMs: 0,
      ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
    });
    await test({ store, pg });
  } finally {
    await pg.cleanup();
  }
}

describe.skipIf(!hasPostgres)('PostgresRateLimitStore', () => {
  it('on a schema migrate() never ran on: a 503, and one warning that says to run it', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      const limiter = createRateLimiter({
        store: new PostgresRateLimitStore({ db: pg.db, schema: pg.schema, purgeIntervalMs: 0 }),
        policies: { one: { algorithm: 'fixed-window', limit: 5, windowMs: 60_000 } },
      });
      const request = { method: 'GET', url: '/x', route: '/x', headers: {}, ip: '203.0.113.9' };
      const warnings = await warningsWithCode('RAMPART_POSTGRES_NOT_MIGRATED', async () => {
        for (let i = 0; i < 3; i++) {
          await expect(limiter.check(request)).rejects.toMatchObject({ status: 503 });
        }
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain(pg.schema);
    } finally {
      await pg.cleanup();
    }
  });

  it('counts a key part holding NUL or a lone surrogate instead of failing for everyone', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
      const limiter = createRateLimiter({
        // Frozen, so the two checks of one key fall in one window.
        clock: createFakeClock(Date.UTC(2026, 0, 1)),
        store: new PostgresRateLimitStore({ db: pg.db, schema: pg.schema }),
        key: ['ip', (request) => String(request.body)],
        policies: { one: { algorithm: 'fixed-window', limit: 1, windowMs: 60_000 } },
      });
      const request = (body: string) => ({
        method: 'POST',
        url: '/login',
        route: '/login',
        headers: {},
        ip: '203.0.113.5',
        body,
      });
      expect((await limiter.check(request('a\u0000b'))).allowed).toBe(true);
      expect((await limiter.check(request('a\u0000b'))).allowed).toBe(false);
      expect((await limiter.check(request('\ud800'))).allowed).toBe(true);
      expect((await limiter.check(request('\udc00'))).allowed).toBe(true);
    } finally {
      await pg.cleanup();
    }
  });

  const fixed = (name: string, limit: number) =>
    resolvePolicy(name, { algorithm: 'fixed-window', limit, windowMs: 60_000 });

  it('keeps a block across the upgrade to one row per client (migration 0002)', async () => {
    await onSchemaUpTo(1, async (pg) => {
      const key: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.7',
        policies: [fixed('burst', 5), fixed('hour', 100)],
      };
      // 0001's rows: one per policy, `policy:scopeLength:scope:identity`; burst blocks 10 min.
      const row = (policy: string) => `${policy}:${key.scope.length}:${key.scope}:${key.identity}`;
      await sql`insert into ${sql.id(pg.schema, RATE_LIMIT_TABLE)} (key, a, b, c, k, expires_at)
        values (${row('burst')}, ${T0}, 5, 0, ${T0 + 600_000}, ${T0 + 600_000}),
               (${row('hour')}, ${T0}, 7, 0, 0, ${T0 + 60_000})`.execute(pg.db);
      await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
      const store = new PostgresRateLimitStore({
        db: pg.db,
        schema: pg.schema,
        purgeIntervalMs: 0,
      });
      const outcomes = await store.peek({ key, cost: 1, now: T0 + 1000 });
      expect(outcomes.map((o) => [o.allowed, o.remaining, o.retryAfterMs])).toEqual([
        [false, 0, 599_000],
        [true, 92, 0],
      ]);
    });
  });

  it('keeps counts and blocks across the upgrade to a row per policy (migration 0003)', async () => {
    await onSchemaUpTo(2, async (pg) => {
      const key: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.7',
        policies: [fixed('burst', 5), fixed('hour', 100)],
      };
      // 0002's row: one per client, `scopeLength:scope:identity`, a state per policy name.
      const client = `${key.scope.length}:${key.scope}:${key.identity}`;
      const s = [
        [T0, 5, 0, T0 + 600_000, T0 + 600_000],
        [T0, 7, 0, 0, T0 + 60_000],
      ];
      await sql`insert into ${sql.id(pg.schema, RATE_LIMIT_TABLE)} (key, names, s, reply, expires_at)
        values (${client}, ${['burst', 'hour']}::text[], ${s}::float8[], '{}', ${T0 + 600_000})`.execute(
        pg.db,
      );
      await expectBlockedBurstAndHourAtSeven(pg, key);
    });
  });

  it('keeps counts and blocks across the upgrade to an upsert per policy (migration 0004)', async () => {
    await onSchemaUpTo(3, async (pg) => {
      const key: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.9',
        policies: [fixed('burst', 5), fixed('hour', 100)],
      };
      // 0003's rows, as its statements left them: `burst` blocked 10 min, `hour` at 7.
      const row = (policy: string) => `${policy}:${key.scope.length}:${key.scope}:${key.identity}`;
      await sql`insert into ${sql.id(pg.schema, RATE_LIMIT_TABLE)} (key, a, b, c, k, expires_at)
        values (${row('burst')}, ${T0}, 5, 0, ${T0 + 600_000}, ${T0 + 600_000}),
          (${row('hour')}, ${T0}, 7, 0, 0, ${T0 + 60_000})`.execute(pg.db);
      await expectBlockedBurstAndHourAtSeven(pg, key);
    });
  });

  it("carries a client's rows of three and of five policies into the tables of four and of eight (migration 0005)", async () => {
    await onSchemaUpTo(4, async (pg) => {
      const three: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.10',
        policies: ['p0', 'p1', 'p2'].map((name) => fixed(name, 100)),
      };
      const five: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.11',
        policies: ['p0', 'p1', 'p2', 'p3', 'p4'].map((name) => fixed(name, 100)),
      };
      // 0003's rows as its statements left them: policy `pN` of each client at count 10 + N.
      for (const key of [three, five])
        for (const [n, policy] of key.policies.entries()) {
          const row = `${policy.name}:${key.scope.length}:${key.scope}:${key.identity}`;
          await sql`insert into ${sql.id(pg.schema, RATE_LIMIT_TABLE)} (key, a, b, c, k, expires_at)
            values (${row}, ${T0}, ${10 + n}, 0, 0, ${T0 + 60_000})`.execute(pg.db);
        }
      await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
      const keysIn = (width: 2 | 4 | 8) => listsIn(pg, width);
      expect(await keysIn(2)).toEqual([]);
      expect(await keysIn(4)).toEqual(['p0,p1,p2']);
      expect(await keysIn(8)).toEqual(['p0,p1,p2,p3,p4']);
      const store = new PostgresRateLimitStore({
        db: pg.db,
        schema: pg.schema,
        purgeIntervalMs: 0,
      });
      for (const key of [three, five]) {
        const outcomes = await store.peek({ key, cost: 1, now: T0 + 1000 });
        expect(outcomes.map((o) => o.remaining)).toEqual(
          key.policies.map((_, n) => 100 - (10 + n) - 1),
        );
      }
    });
  });

  it('keeps a list of two policies in the table of two, of three or four in that of four, of five to eight in that of eight', async () => {
    await onMigratedStore({ connections: 2 }, async ({ store, pg }) => {
      const keysIn = (width: 2 | 4 | 8) => listsIn(pg, width);
      for (const count of [2, 3, 4, 5, 8]) {
        const policies = Array.from({ length: count }, (_, i) => fixed(`p${i}`, 2));
        const key: RateLimitKey = { scope: 'GET /items/:id', identity: '203.0.113.12', policies };
        for (let i = 0; i < 2; i++)
          expect((await store.hit({ key, cost: 1, now: T0 })).every((o) => o.allowed)).toBe(true);
        expect((await store.hit({ key, cost: 1, now: T0 })).every((o) => !o.allowed)).toBe(true);
        await store.adjust({ key, now: T0, delta: -1, blockUntil: 0 });
        expect((await store.hit({ key, cost: 1, now: T0 })).every((o) => o.allowed)).toBe(true);
      }
      expect(await keysIn(2)).toEqual(['p0,p1']);
      expect(await keysIn(4)).toEqual(['p0,p1,p2', 'p0,p1,p2,p3']);
      expect(await keysIn(8)).toEqual(['p0,p1,p2,p3,p4', 'p0,p1,p2,p3,p4,p5,p6,p7']);
      await store.reset({
        scope: 'GET /items/:id',
        identity: '203.0.113.12',
        policies: [fixed('p0', 2), fixed('p1', 2), fixed('p2', 2)],
      });
      expect(await keysIn(4)).toEqual(['p0,p1,p2,p3']);
    });
  });

  it("keeps a policy list's counters apart from another list that names some of the same policies", async () => {
    await onMigratedStore({ connections: 2 }, async ({ store }) => {
      const client = { scope: 'GET /items/:id', identity: '203.0.113.8' };
      const both: RateLimitKey = { ...client, policies: [fixed('burst', 10), fixed('daily', 1)] };
      const burstOnly: RateLimitKey = { ...client, policies: [fixed('burst', 10)] };
      const allowed = async (key: RateLimitKey, now: number) =>
        (await store.hit({ key, cost: 1, now })).map((outcome) => outcome.allowed);
      expect(await allowed(both, T0)).toEqual([true, true]);
      for (let i = 0; i < 10; i++) expect(await allowed(burstOnly, T0 + 1)).toEqual([true]);
      expect(await allowed(burstOnly, T0 + 1)).toEqual([false]);
      // The list's `burst` counted 1 request, not burstOnly's 10; its `daily` still holds 1.
      expect(await allowed(both, T0 + 2)).toEqual([true, false]);
      await store.reset(burstOnly);
      expect(await allowed(burstOnly, T0 + 3)).toEqual([true]);
      expect(await allowed(both, T0 + 3)).toEqual([true, false]);
      await store.reset(both);
      expect(await allowed(both, T0 + 4)).toEqual([true, true]);
    });
  });

  it("counts exactly when a two-policy client's first checks arrive at once (rows created, then counted)", async () => {
    await onMigratedStore({ connections: 10 }, async ({ store }) => {
      const key: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.20',
        policies: [fixed('burst', 7), fixed('hour', 100)],
      };
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, () => store.hit({ key, cost: 1, now: T0 })),
      );
      expect(outcomes.filter((o) => o[0]?.allowed && o[1]?.allowed)).toHaveLength(7);
      // Refusals counted nowhere: `hour` holds the 7 admitted requests only.
      const [, hour] = await store.peek({ key, cost: 1, now: T0 });
      expect(hour?.remaining).toBe(92);
    });
  });

  it('checks a list of eight policies, the most a limiter may name, on its one row', async () => {
    await onMigratedStore({ connections: 2 }, async ({ store }) => {
      const policies = Array.from({ length: MAX_POLICIES }, (_, i) => fixed(`p${i}`, 3 + i));
      const key: RateLimitKey = { scope: 'GET /items/:id', identity: '203.0.113.50', policies };
      for (let i = 0; i < 3; i++)
        expect((await store.hit({ key, cost: 1, now: T0 })).every((o) => o.allowed)).toBe(true);
      const refused = await store.hit({ key, cost: 1, now: T0 });
      expect(refused.map((o) => o.allowed)).toEqual([false, ...Array(7).fill(true)]);
      expect(refused.map((o) => o.remaining)).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
    });
  });

  it('writes nothing for a refused check of several policies, nor for a fresh client it refuses', async () => {
    await onMigratedStore({ connections: 2 }, async ({ store, pg }) => {
      const key: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.30',
        policies: [fixed('z_hour', 2), fixed('a_burst', 10)],
      };
      const rows = async () =>
        (
          await sql<{
            key: string;
            b0: number;
            b1: number;
          }>`select key, b0, b1 from ${sql.id(pg.schema, RATE_LIMIT_SET_TABLES[2])}`.execute(pg.db)
        ).rows.map((row) => [row.key.split(':')[0], [row.b0, row.b1]]);
      // A fresh client asking for 3: `a_burst` alone would admit it, `z_hour` refuses.
      const first = await store.hit({ key, cost: 3, now: T0 });
      expect(first.map((o) => o.allowed)).toEqual([false, true]);
      expect(await rows()).toEqual([]);
      expect((await store.hit({ key, cost: 2, now: T0 + 1 })).map((o) => o.allowed)).toEqual([
        true,
        true,
      ]);
      // The row's counts in the order of the names: a_burst, then z_hour.
      expect(await rows()).toEqual([['a_burst,z_hour', [2, 2]]]);
      expect((await store.hit({ key, cost: 1, now: T0 + 2 })).map((o) => o.allowed)).toEqual([
        false,
        true,
      ]);
      expect(await rows()).toEqual([['a_burst,z_hour', [2, 2]]]);
    });
  });

  it('of 300 concurrent two-policy checks exactly the tighter limit passes, and the other policy counts only those', async () => {
    await onMigratedStore({ connections: 10, queryTimeoutMs: 30_000 }, async ({ store }) => {
      const key: RateLimitKey = {
        scope: 'GET /items/:id',
        identity: '203.0.113.31',
        policies: [fixed('z_hour', 40), fixed('a_burst', 100)],
      };
      const outcomes = await Promise.all(
        Array.from({ length: 300 }, () => store.hit({ key, cost: 1, now: T0 })),
      );
      expect(outcomes.filter((o) => o[0]?.allowed && o[1]?.allowed)).toHaveLength(40);
      const [hour, burst] = await store.peek({ key, cost: 1, now: T0 });
      expect([hour?.remaining, burst?.remaining]).toEqual([0, 59]);
    });
  });

  it('runs a refused one-policy check again when its row admits by the time the store reads it (a reset in between)', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
      const key: RateLimitKey = {
        scope: 'POST /login',
        identity: '203.0.113.40',
        policies: [fixed('hour', 1)],
      };
      let reads = 0;
      // The pool as the store sees it: the reset lands between the refusal and the read of its row.
      const pool: PreparedStatementPool = {
        async query(config) {
          if (config.text.startsWith('select') && reads++ === 0) await store.reset(key);
          return pg.pool.query(config);
        },
      };
      const store = new PostgresRateLimitStore({
        db: pg.db,
        pool,
        schema: pg.schema,
        purgeIntervalMs: 0,
      });
      expect((await store.hit({ key, cost: 1, now: T0 }))[0]?.allowed).toBe(true);
      // Refused at a count of 1; the row was then reset, so the check ran again and counted.
      expect((await store.hit({ key, cost: 1, now: T0 + 1 }))[0]?.allowed).toBe(true);
      expect(reads).toBe(1);
      const { rows } = await sql<{
        b: number;
      }>`select b from ${sql.id(pg.schema, RATE_LIMIT_TABLE)}`.execute(pg.db);
      expect(rows).toEqual([{ b: 1 }]);
    } finally {
      await pg.cleanup();
    }
  });

  it("purges expired rows of both tables: a policy list's row lives as long as its longest-lived policy", async () => {
    await onMigratedStore({ connections: 2 }, async ({ store }) => {
      const key = (identity: string, policies = [fixed('burst', 10)]): RateLimitKey => ({
        scope: 'GET /items/:id',
        identity,
        policies,
      });
      await store.hit({ key: key('203.0.113.1'), cost: 1, now: T0 });
      await store.hit({ key: key('203.0.113.2'), cost: 1, now: T0 });
      // Two lists: one of minute windows, which goes, and one with a day's window, which stays.
      await store.hit({
        key: key('203.0.113.4', [fixed('burst', 10), fixed('minute', 5)]),
        cost: 1,
        now: T0,
      });
      const daily = resolvePolicy('daily', {
        algorithm: 'fixed-window',
        limit: 5,
        windowMs: 86_400_000,
      });
      const dayList = key('203.0.113.3', [fixed('burst', 10), daily]);
      await store.hit({ key: dayList, cost: 1, now: T0 });
      expect(await store.purgeExpired(T0 + 120_000)).toBe(3);
      expect(await store.purgeExpired(T0 + 120_000)).toBe(0);
      const [burst, left] = await store.peek({ key: dayList, cost: 1, now: T0 + 120_000 });
      expect([burst?.remaining, left?.remaining]).toEqual([9, 3]);
    });
  });

  describeRateLimitStoreConformance('postgres', async () => {
    const pg = await isolatedPostgresSchema({ max: 10 });
    await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
    return {
      store: new PostgresRateLimitStore({ db: pg.db, schema: pg.schema, queryTimeoutMs: 30_000 }),
      cleanup: pg.cleanup,
    };
  });

  describeRateLimitStoreConformance('postgres, checks prepared on the pg pool', async () => {
    const pg = await isolatedPostgresSchema({ max: 10 });
    await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
    return {
      store: new PostgresRateLimitStore({
        db: pg.db,
        pool: pg.pool,
        schema: pg.schema,
        queryTimeoutMs: 30_000,
      }),
      cleanup: pg.cleanup,
    };
  });
});
