import { PostgresNonceStore, withTimeout } from '@rampart/core/postgres';
import { RedisNonceStore } from '@rampart/core/redis';
import { assertClaimArguments, nonceKey } from '@rampart/core/store';
import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import { captureClaimStatement, claimedBy, claimValues } from './backends/capture-claim-sql.js';
import type { BenchPostgres } from './backends/postgres.js';
import type { BenchRedis } from './backends/redis.js';
import type { Variant } from './harness/runner.js';
import { BENCH_SCHEMAS } from './nonce-claim-variants.js';
import { BENCH_SCOPE, nonceOf } from './nonces.js';

/**
 * Where a store's claim spends its time beyond the bare primitive: each variant adds one layer
 * of what `claim` does, so the step from one row to the next is the cost of that layer. For a
 * lead deciding what to change, and for checking that a change paid off. The Postgres rows send
 * the statement the store itself sends, captured at run time (see capture-claim-sql.ts).
 */

const TTL_MS = 60_000;
const REDIS_TTL_MS = 10_000;

export function redisBreakdownVariants({ redis }: BenchRedis): Variant[] {
  const store = new RedisNonceStore({ redis });
  const prefix = `rampart:nbare:${BENCH_SCOPE.length}:${BENCH_SCOPE}:`;
  const timeout = { store: 'bench', timeoutMs: 1000 };
  return [
    {
      name: '1 bare SET NX PX',
      async op(i) {
        return (await redis.set(prefix + nonceOf(i), '1', 'PX', REDIS_TTL_MS, 'NX')) === 'OK';
      },
    },
    {
      name: '2 + withTimeout (a timer per claim)',
      baseline: '1 bare SET NX PX',
      async op(i) {
        const key = prefix + nonceOf(i);
        return (
          (await withTimeout(() => redis.set(key, '1', 'PX', REDIS_TTL_MS, 'NX'), timeout)) === 'OK'
        );
      },
    },
    {
      name: '3 RedisNonceStore.claim',
      baseline: '1 bare SET NX PX',
      op: (i) => store.claim(BENCH_SCOPE, nonceOf(i), REDIS_TTL_MS),
    },
  ];
}

/**
 * On the unlogged table: without a WAL flush per insert, the client-side layers stand out.
 * Rows 2 to 5 send the store's own statement; 5 → 6 is what building and compiling it with
 * Kysely on every call costs.
 */
export async function postgresBreakdownVariants(pg: BenchPostgres): Promise<Variant[]> {
  const schema = BENCH_SCHEMAS.unlogged;
  const store = new PostgresNonceStore({ db: pg.db, schema });
  const statement = await captureClaimStatement(pg.pool, schema);
  const keyOf = (i: number) => nonceKey(BENCH_SCOPE, nonceOf(i));
  const valuesOf = (i: number) => claimValues(statement, keyOf(i), Date.now(), TTL_MS);
  // The bare insert claimed when it returned a row; the store's statement says so itself.
  const bareText = `insert into "${schema}"."bench_bare_nonces" (key, expires_at) values ($1, $2) on conflict do nothing returning 1`;
  const timeout = { store: 'bench', timeoutMs: 2000 };
  const baseline = '1 bare INSERT … DO NOTHING (pg)';
  return [
    {
      name: baseline,
      async op(i) {
        return (await pg.pool.query(bareText, [keyOf(i), Date.now() + TTL_MS])).rows.length === 1;
      },
    },
    {
      name: "2 the store's statement (pg, unnamed)",
      baseline,
      async op(i) {
        return claimedBy(await pg.pool.query(statement.sql, valuesOf(i)));
      },
    },
    {
      // Parsed and planned once per connection instead of on every claim.
      name: "3 the store's statement, named prepared (pg)",
      baseline,
      async op(i) {
        const query = { name: 'rampart-bench-claim', text: statement.sql, values: valuesOf(i) };
        return claimedBy(await pg.pool.query(query));
      },
    },
    {
      name: "4 the store's statement, precompiled, via Kysely",
      baseline,
      async op(i) {
        return claimedBy(await pg.db.executeQuery(CompiledQuery.raw(statement.sql, valuesOf(i))));
      },
    },
    {
      // What `claim` would cost with its statement compiled once at construction: everything
      // the store does (checks, key, clock, timeout), minus Kysely's builder and compiler.
      name: '5 sketch: claim with the statement precompiled',
      baseline,
      async op(i) {
        const nonce = nonceOf(i);
        assertClaimArguments(BENCH_SCOPE, nonce, TTL_MS);
        const values = claimValues(statement, nonceKey(BENCH_SCOPE, nonce), Date.now(), TTL_MS);
        const query = CompiledQuery.raw(statement.sql, values);
        return claimedBy(await withTimeout(() => pg.db.executeQuery(query), timeout));
      },
    },
    {
      name: '6 PostgresNonceStore.claim',
      baseline,
      op: (i) => store.claim(BENCH_SCOPE, nonceOf(i), TTL_MS),
    },
  ];
}

/** A Kysely on Postgres whose driver answers every query at once with no rows: no I/O at all. */
function kyselyWithoutIo(): Kysely<unknown> {
  return new Kysely({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/**
 * The client side of a Postgres claim alone, on a driver without I/O, in a hot loop: what our
 * code and Kysely cost per claim when nothing else competes for the caches. Ops resolve `true`
 * whatever the (empty) answer, since there is no table to claim in.
 */
export async function postgresClientSideVariants(pg: BenchPostgres): Promise<Variant[]> {
  const statement = await captureClaimStatement(pg.pool, BENCH_SCHEMAS.unlogged);
  const db = kyselyWithoutIo();
  const store = new PostgresNonceStore({ db, schema: BENCH_SCHEMAS.unlogged });
  const timeout = { store: 'bench', timeoutMs: 2000 };
  const baseline = 'a Kysely executeQuery, precompiled (no I/O)';
  return [
    {
      name: baseline,
      async op(i) {
        const values = claimValues(
          statement,
          nonceKey(BENCH_SCOPE, nonceOf(i)),
          Date.now(),
          TTL_MS,
        );
        await db.executeQuery(CompiledQuery.raw(statement.sql, values));
        return true;
      },
    },
    {
      name: 'b sketch: claim with the statement precompiled (no I/O)',
      baseline,
      async op(i) {
        const nonce = nonceOf(i);
        assertClaimArguments(BENCH_SCOPE, nonce, TTL_MS);
        const values = claimValues(statement, nonceKey(BENCH_SCOPE, nonce), Date.now(), TTL_MS);
        await withTimeout(() => db.executeQuery(CompiledQuery.raw(statement.sql, values)), timeout);
        return true;
      },
    },
    {
      name: 'c PostgresNonceStore.claim (no I/O)',
      baseline,
      async op(i) {
        await store.claim(BENCH_SCOPE, nonceOf(i), TTL_MS);
        return true;
      },
    },
  ];
}
