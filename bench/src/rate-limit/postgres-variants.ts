/**
 * Postgres variants of the rate-limit benchmark, as a breakdown: the cheapest single statement
 * a counter can be (one upsert of one fixed-window counter, which cannot check two policies
 * atomically), the statement our store sends (captured from a real check, sent raw through
 * `pg`), the store behind a limiter with one and with two policies, and rate-limiter-flexible's
 * `RateLimiterPostgres` with one. All are one round trip per check, and all but one row are named
 * prepared statements, as the peer sends its upsert (our store given the `pool` under its Kysely);
 * one row shows our store through Kysely alone (no `pool`: the statement parsed and planned per
 * check). The peer's table is created UNLOGGED like ours, so neither side pays a WAL flush per
 * check and the rows compare statements.
 */
import { migrate } from '@rampart/core/postgres';
import {
  createRateLimiter,
  type RateLimiter,
  type RateLimitKey,
  type RateLimitRequest,
} from '@rampart/rate-limit';
import {
  PostgresRateLimitStore,
  type PreparedStatementPool,
  rateLimitMigrations,
} from '@rampart/rate-limit/postgres';
import { type CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { BenchPostgres } from '../backends/postgres.js';
import type { Variant } from '../harness/runner.js';

export const POSTGRES_UPSERT =
  'bare upsert of 1 counter (INSERT … ON CONFLICT DO UPDATE … RETURNING, prepared)';
export const POSTGRES_STATEMENT = "the store's statement alone (raw pg, prepared), 2 policies";
export const POSTGRES_SHARED_ROW =
  "a hand-written upsert of a row of two policies' columns (prepared)";
export const POSTGRES_FLEXIBLE = 'rate-limiter-flexible RateLimiterPostgres, 1 policy';
export const POSTGRES_OURS_ONE = '@rampart/rate-limit PostgresRateLimitStore, 1 policy';
export const POSTGRES_OURS = '@rampart/rate-limit PostgresRateLimitStore, 2 policies';
export const POSTGRES_OURS_KYSELY =
  '@rampart/rate-limit PostgresRateLimitStore, 1 policy, through Kysely alone (no pool)';

const CLIENTS = 1024;
const NEVER = 1_000_000_000;
const HOUR_MS = 3_600_000;
const FLEXIBLE_TABLE = 'flexible_counters';

export async function preparePostgres(bench: BenchPostgres, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(bench.db);
  await sql`create schema ${sql.id(schema)}`.execute(bench.db);
  await migrate(bench.db, [rateLimitMigrations], { schema });
  await bench.pool.query(
    `create unlogged table "${schema}".upsert_counters (key text primary key, b bigint not null)`,
  );
  // A two-policy row written by hand, the least a statement of this layout can be, in a table of
  // two policies' columns like the store's: GCRA's state in a, k and a fixed window's in a2, b2, k2.
  await bench.pool.query(
    `create unlogged table "${schema}".shared_counters (key text primary key, a float8 not null, k float8 not null, a2 float8 not null, b2 float8 not null, k2 float8 not null, expires_at float8 not null) with (fillfactor = 70)`,
  );
  // RateLimiterPostgres's own table (its _getCreateTableStmt), UNLOGGED.
  await bench.pool.query(
    `create unlogged table "${schema}".${FLEXIBLE_TABLE} (key varchar(255) primary key, points integer not null default 0, expire bigint)`,
  );
}

export async function dropPostgres(bench: BenchPostgres, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(bench.db);
}

const twoPolicies = {
  burst: { algorithm: 'gcra', limit: NEVER, windowMs: 1000 },
  hour: { algorithm: 'fixed-window', limit: NEVER, windowMs: HOUR_MS },
} as const;
const onePolicy = { hour: { algorithm: 'fixed-window', limit: NEVER, windowMs: HOUR_MS } } as const;

function limiterOn(
  // biome-ignore lint/suspicious/noExplicitAny: the bench's tables are created at run time
  db: Kysely<any>,
  schema: string,
  policies: typeof twoPolicies | typeof onePolicy,
  pool?: PreparedStatementPool,
  clock?: { now(): number },
) {
  return createRateLimiter({
    store: new PostgresRateLimitStore({ db, pool, schema, purgeIntervalMs: 0 }),
    policies,
    ...(clock === undefined ? {} : { clock }),
  });
}

/**
 * The statement a two-policy check sends at `now`, captured through Kysely's query log (so: no
 * `pool`).
 */
async function captureCheck(
  bench: BenchPostgres,
  schema: string,
  request: RateLimitRequest,
  now: number,
): Promise<CompiledQuery> {
  let captured: CompiledQuery | undefined;
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: bench.pool }),
    log: (event) => {
      if (event.level === 'query') captured ??= event.query;
    },
  });
  await limiterOn(db, schema, twoPolicies, undefined, { now: () => now }).check(request);
  if (captured === undefined) throw new Error('PostgresRateLimitStore sent no query');
  return captured;
}

export async function postgresVariants(bench: BenchPostgres, schema: string): Promise<Variant[]> {
  const limiter = limiterOn(bench.db, schema, twoPolicies, bench.storePool);
  const limiterOne = limiterOn(bench.db, schema, onePolicy, bench.storePool);
  const limiterKysely = limiterOn(bench.db, schema, onePolicy);
  const flexible = new RateLimiterPostgres({
    storeClient: bench.pool,
    storeType: 'pool',
    schemaName: schema,
    tableName: FLEXIBLE_TABLE,
    tableCreated: true,
    clearExpiredByTimeout: false,
    points: NEVER,
    duration: HOUR_MS / 1000,
  });
  const requests: RateLimitRequest[] = Array.from({ length: CLIENTS }, (_, i) => ({
    method: 'GET',
    url: '/items/1',
    route: '/items/:id',
    headers: {},
    ip: `10.${(i >> 8) & 255}.${i & 255}.9`,
  }));
  // Every client's rows exist before the rounds: a client's first check of several policies
  // creates its rows and runs again, which a round of 1,024 fresh clients would measure instead.
  for (const request of requests) {
    await limiter.check(request);
    await limiterOne.check(request);
  }
  const first = requests[0] as RateLimitRequest;
  // An odd millisecond, so no window start or expiry among the parameters equals it.
  const capturedAt = Date.now() | 1;
  const check = await captureCheck(bench, schema, first, capturedAt);
  const identityOf = (request: RateLimitRequest) =>
    (limiter.keyFor(request) as RateLimitKey).identity;
  // The client's row key: the one string parameter ending in its identity.
  const ownKey = (p: unknown) => typeof p === 'string' && p.endsWith(identityOf(first));
  const keyAt = check.parameters.findIndex(ownKey);
  if (keyAt < 0) throw new Error("cannot find the client's key among the check's parameters");
  const prefix = (check.parameters[keyAt] as string).slice(0, -identityOf(first).length);
  const nowAt = check.parameters.indexOf(capturedAt);
  const statementKeys = requests.map((request) => prefix + identityOf(request));
  const upsert = `insert into "${schema}".upsert_counters (key, b) values ($1, 1) on conflict (key) do update set b = upsert_counters.b + 1 returning b`;
  // Both policies decided in the update's WHERE (every policy moves or none does), returning the
  // stored state, as the store's admit-only statement does: burst (GCRA), hour (fixed).
  const shared = `insert into "${schema}".shared_counters as t (key, a, k, a2, b2, k2, expires_at)
    values ($1, $2::float8 + $5::float8, 0, $3::float8, 1, 0, $4::float8)
    on conflict (key) do update set a = greatest(t.a, $2::float8) + $5::float8, k = 0,
      a2 = $3::float8, b2 = (case when t.a2 = $3::float8 then t.b2 else 0 end) + 1, k2 = 0,
      expires_at = greatest($4::float8, ceil(greatest(t.a, $2::float8) + $5::float8))
    where t.k <= $2::float8 and greatest(t.a, $2::float8) + $5::float8 - $5::float8 * $6::float8 <= $2::float8 + 0.001
      and t.k2 <= $2::float8 and (case when t.a2 = $3::float8 then t.b2 else 0 end) + 1 <= $6::float8
    returning a, a2, b2`;
  const passes = async (target: RateLimiter, i: number) =>
    (await target.check(requests[i % CLIENTS] as RateLimitRequest)).allowed;
  return [
    {
      name: POSTGRES_UPSERT,
      op: async (i) => {
        const { rows } = await bench.pool.query<{ b: string }>({
          name: 'bench-upsert',
          text: upsert,
          values: [`GET /items/:id:${requests[i % CLIENTS]?.ip}`],
        });
        return Number(rows[0]?.b) <= NEVER;
      },
    },
    {
      name: POSTGRES_STATEMENT,
      baseline: POSTGRES_UPSERT,
      op: async (i) => {
        const values = [...check.parameters];
        values[keyAt] = statementKeys[i % CLIENTS];
        if (nowAt >= 0) values[nowAt] = Date.now();
        // An admit returns its row (what it stored); a refusal none.
        const { rows } = await bench.pool.query({ name: 'bench-check', text: check.sql, values });
        return rows.length === 1;
      },
    },
    {
      name: POSTGRES_SHARED_ROW,
      baseline: POSTGRES_UPSERT,
      op: async (i) => {
        const now = Date.now();
        const { rowCount } = await bench.pool.query({
          name: 'bench-shared-row',
          text: shared,
          values: [
            `burst,hour:${requests[i % CLIENTS]?.ip}`,
            now,
            now - (now % HOUR_MS),
            now - (now % HOUR_MS) + HOUR_MS,
            1000 / NEVER,
            NEVER,
          ],
        });
        return rowCount === 1;
      },
    },
    {
      name: POSTGRES_FLEXIBLE,
      op: async (i) =>
        (await flexible.consume(requests[i % CLIENTS]?.ip as string)).remainingPoints >= 0,
    },
    { name: POSTGRES_OURS_ONE, baseline: POSTGRES_FLEXIBLE, op: (i) => passes(limiterOne, i) },
    { name: POSTGRES_OURS, baseline: POSTGRES_FLEXIBLE, op: (i) => passes(limiter, i) },
    {
      name: POSTGRES_OURS_KYSELY,
      baseline: POSTGRES_FLEXIBLE,
      op: (i) => passes(limiterKysely, i),
    },
  ];
}
