import { BoundedExpiringMap, MemoryNonceStore } from '@rampart/core';
import { createNonceStoreMigrations, migrate, PostgresNonceStore } from '@rampart/core/postgres';
import { RedisNonceStore } from '@rampart/core/redis';
import { sql } from 'kysely';
import type { BenchPostgres } from './backends/postgres.js';
import type { BenchRedis } from './backends/redis.js';
import type { Variant } from './harness/runner.js';
import { BENCH_SCOPE, nonceOf } from './nonces.js';

/**
 * The variants of the nonce-claim benchmark: each store's `claim` beside the bare primitive it
 * wraps, doing the same work with the same key shape, so the ratio is what the store adds.
 */

const MEMORY_TTL_MS = 60_000;
/** Short, so the keys of a run expire soon after it and do not pile up in a shared Redis. */
const REDIS_TTL_MS = 10_000;
const POSTGRES_TTL_MS = 60_000;

export function memoryVariants(): Variant[] {
  // A fresh map and store every round: their size then stays at one round's worth of entries,
  // and neither ever fills up.
  const keyPrefix = `${BENCH_SCOPE.length}:${BENCH_SCOPE}:`;
  let map = new Map<string, number>();
  let store = new MemoryNonceStore({ maxEntries: 50_000_000, sweepIntervalMs: 0 });
  const newBounded = () =>
    new BoundedExpiringMap<true>({ maxEntries: 50_000_000, sweepIntervalMs: 0 });
  let bounded = newBounded();
  return [
    {
      name: 'Map check-and-set (bare)',
      beforeRound: () => {
        map = new Map();
      },
      // async like the contract: a `NonceStore.claim` answers with a promise.
      async op(i) {
        const key = keyPrefix + nonceOf(i);
        const now = Date.now();
        const expiresAt = map.get(key);
        if (expiresAt !== undefined && expiresAt > now) return false;
        map.set(key, now + MEMORY_TTL_MS);
        return true;
      },
    },
    {
      // The map under the store, without argument checks, key building or error mapping.
      name: 'BoundedExpiringMap.add (the store’s map)',
      baseline: 'Map check-and-set (bare)',
      beforeRound: () => {
        bounded.close();
        bounded = newBounded();
      },
      async op(i) {
        return bounded.add(keyPrefix + nonceOf(i), true, MEMORY_TTL_MS) === 'added';
      },
    },
    {
      name: 'MemoryNonceStore.claim',
      baseline: 'Map check-and-set (bare)',
      beforeRound: () => {
        store.close();
        store = new MemoryNonceStore({ maxEntries: 50_000_000, sweepIntervalMs: 0 });
      },
      op: (i) => store.claim(BENCH_SCOPE, nonceOf(i), MEMORY_TTL_MS),
    },
  ];
}

export function redisVariants({ redis }: BenchRedis): Variant[] {
  const store = new RedisNonceStore({ redis });
  // Same length and shape as the store's key (`rampart:nonce:2:k1:<nonce>`), other namespace.
  const barePrefix = `rampart:nbare:${BENCH_SCOPE.length}:${BENCH_SCOPE}:`;
  return [
    {
      name: 'bare SET NX PX',
      async op(i) {
        return (await redis.set(barePrefix + nonceOf(i), '1', 'PX', REDIS_TTL_MS, 'NX')) === 'OK';
      },
    },
    {
      name: 'RedisNonceStore.claim',
      baseline: 'bare SET NX PX',
      op: (i) => store.claim(BENCH_SCOPE, nonceOf(i), REDIS_TTL_MS),
    },
  ];
}

/** Schemas the bench creates and drops; nothing else in the database is touched. */
export const BENCH_SCHEMAS = {
  logged: 'rampart_bench_logged',
  unlogged: 'rampart_bench_unlogged',
} as const;

/**
 * Creates both schemas afresh: the store's own migrations make its table, and the bare table is
 * a `LIKE … INCLUDING ALL` copy of it (same columns, primary key and expiry index), so both
 * inserts maintain the same indexes.
 */
export async function preparePostgres({ db }: BenchPostgres): Promise<void> {
  for (const [kind, schema] of Object.entries(BENCH_SCHEMAS)) {
    const unlogged = kind === 'unlogged';
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
    await sql`create schema ${sql.id(schema)}`.execute(db);
    await migrate(db, [createNonceStoreMigrations({ unlogged })], { schema });
    await sql`create ${sql.raw(unlogged ? 'unlogged ' : '')}table ${sql.id(schema, 'bench_bare_nonces')}
      (like ${sql.id(schema, 'rampart_core_nonces')} including all)`.execute(db);
  }
}

export async function dropPostgres({ db }: BenchPostgres): Promise<void> {
  for (const schema of Object.values(BENCH_SCHEMAS)) {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
  }
}

export function postgresVariants(pg: BenchPostgres): Variant[] {
  const variants: Variant[] = [];
  for (const [kind, schema] of Object.entries(BENCH_SCHEMAS)) {
    const store = new PostgresNonceStore({ db: pg.db, schema });
    // The plainest claim pg can send: unnamed statement, parameters, one round trip.
    const text = `insert into "${schema}"."bench_bare_nonces" (key, expires_at) values ($1, $2) on conflict do nothing returning 1`;
    const keyPrefix = `${BENCH_SCOPE.length}:${BENCH_SCOPE}:`;
    const bare = `bare INSERT … ON CONFLICT DO NOTHING (${kind})`;
    variants.push(
      {
        name: bare,
        async op(i) {
          const result = await pg.pool.query(text, [
            keyPrefix + nonceOf(i),
            Date.now() + POSTGRES_TTL_MS,
          ]);
          return result.rowCount === 1;
        },
      },
      {
        name: `PostgresNonceStore.claim (${kind})`,
        baseline: bare,
        op: (i) => store.claim(BENCH_SCOPE, nonceOf(i), POSTGRES_TTL_MS),
      },
    );
  }
  return variants;
}
