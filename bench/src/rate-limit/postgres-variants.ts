/**
 * Postgres variants of the rate-limit benchmark: our store's one statement per check (the
 * `rampart_rate_limit_check` function, two policies) beside the cheapest single statement a
 * counter can be: one upsert of one fixed-window counter, which cannot check two policies
 * atomically. The gap is the price of the function; both are one round trip.
 */
import { migrate } from '@rampart/core/postgres';
import { createRateLimiter, type RateLimitRequest } from '@rampart/rate-limit';
import { PostgresRateLimitStore, rateLimitMigrations } from '@rampart/rate-limit/postgres';
import { sql } from 'kysely';
import type { BenchPostgres } from '../backends/postgres.js';
import type { Variant } from '../harness/runner.js';

export const POSTGRES_OURS = '@rampart/rate-limit PostgresRateLimitStore, 2 policies';
export const POSTGRES_UPSERT =
  'bare upsert of 1 counter (INSERT … ON CONFLICT DO UPDATE … RETURNING)';

const CLIENTS = 1024;
const NEVER = 1_000_000_000;

export async function preparePostgres(bench: BenchPostgres, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(bench.db);
  await sql`create schema ${sql.id(schema)}`.execute(bench.db);
  await migrate(bench.db, [rateLimitMigrations], { schema });
  await bench.pool.query(
    `create unlogged table "${schema}".upsert_counters (key text primary key, b bigint not null)`,
  );
}

export async function dropPostgres(bench: BenchPostgres, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(bench.db);
}

export function postgresVariants(bench: BenchPostgres, schema: string): Variant[] {
  const limiter = createRateLimiter({
    store: new PostgresRateLimitStore({ db: bench.db, schema, purgeIntervalMs: 0 }),
    policies: {
      burst: { algorithm: 'gcra', limit: NEVER, windowMs: 1000 },
      hour: { algorithm: 'fixed-window', limit: NEVER, windowMs: 3_600_000 },
    },
  });
  const requests: RateLimitRequest[] = Array.from({ length: CLIENTS }, (_, i) => ({
    method: 'GET',
    url: '/items/1',
    route: '/items/:id',
    headers: {},
    ip: `10.${(i >> 8) & 255}.${i & 255}.9`,
  }));
  const upsert = `insert into "${schema}".upsert_counters (key, b) values ($1, 1) on conflict (key) do update set b = upsert_counters.b + 1 returning b`;
  return [
    {
      name: POSTGRES_UPSERT,
      op: async (i) => {
        const { rows } = await bench.pool.query<{ b: string }>(upsert, [
          `GET /items/:id:${requests[i % CLIENTS]?.ip}`,
        ]);
        return Number(rows[0]?.b) <= NEVER;
      },
    },
    {
      name: POSTGRES_OURS,
      baseline: POSTGRES_UPSERT,
      op: async (i) => (await limiter.check(requests[i % CLIENTS] as RateLimitRequest)).allowed,
    },
  ];
}
