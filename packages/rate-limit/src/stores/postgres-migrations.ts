import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';
import { sql } from 'kysely';
import { CHECK_FUNCTION_BODY_0002 } from './postgres-check.js';
import { CHECK_FUNCTION_BODY } from './postgres-function.js';

/** The table of counters: one row per client and route (0001: one per client, route and policy). */
export const RATE_LIMIT_TABLE = 'rampart_rate_limit_counters';
/** The function every check calls: one statement, one round trip. */
export const RATE_LIMIT_FUNCTION = 'rampart_rate_limit_check';

const createCounters: PostgresMigration = {
  name: '0001_create_counters',
  async up(db, { schema }) {
    // Unlogged: counters are short-lived and rebuilt by traffic, so a crash costs clients at most
    // one fresh window; a durable write (a WAL flush) per request would cost more than the check.
    await db.schema
      .withSchema(schema)
      .createTable(RATE_LIMIT_TABLE)
      .modifyFront(sql`unlogged`)
      .addColumn('key', 'text', (column) => column.primaryKey())
      .addColumn('a', 'double precision', (column) => column.notNull())
      .addColumn('b', 'double precision', (column) => column.notNull())
      .addColumn('c', 'double precision', (column) => column.notNull())
      .addColumn('k', 'double precision', (column) => column.notNull())
      .addColumn('expires_at', 'double precision', (column) => column.notNull())
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${RATE_LIMIT_TABLE}_expires_at_idx`)
      .on(RATE_LIMIT_TABLE)
      .column('expires_at')
      .execute();
    // The table is schema-qualified inside the body rather than found through a `set
    // search_path` clause: such a clause makes Postgres save and restore the setting on every
    // call. `schema` passed `postgresIdentifierSchema` (lower-case letters, digits, _), so quoting
    // it is exact; the rest of the body is a constant.
    const body = CHECK_FUNCTION_BODY.replaceAll(
      RATE_LIMIT_TABLE,
      `"${schema}".${RATE_LIMIT_TABLE}`,
    );
    await sql`
      create function ${sql.id(schema, RATE_LIMIT_FUNCTION)}(
        p_mode int, p_now double precision, p_cost double precision, p_block_until double precision,
        p_keys text[], p_codes int[], p_limits double precision[], p_windows double precision[],
        p_bursts double precision[], p_block_ms double precision[])
      returns table (allowed boolean, remaining double precision, reset_ms double precision, retry_ms double precision)
      language plpgsql
      as ${sql.lit(body)}
    `.execute(db);
  },
  async down(db, { schema }) {
    await sql`drop function if exists ${sql.id(schema, RATE_LIMIT_FUNCTION)}`.execute(db);
    await db.schema.withSchema(schema).dropTable(RATE_LIMIT_TABLE).execute();
  },
};

/** Where 0002 moves 0001's table while it copies the counters over. */
const TABLE_0001 = `${RATE_LIMIT_TABLE}_0001`;

const oneRowPerClient: PostgresMigration = {
  name: '0002_one_row_per_client',
  async up(db, { schema }) {
    const old = sql.id(schema, TABLE_0001);
    await sql`alter table ${sql.id(schema, RATE_LIMIT_TABLE)} rename to ${sql.id(TABLE_0001)}`.execute(
      db,
    );
    await sql`alter index ${sql.id(schema, `${RATE_LIMIT_TABLE}_pkey`)} rename to ${sql.id(`${TABLE_0001}_pkey`)}`.execute(
      db,
    );
    await sql`alter index ${sql.id(schema, `${RATE_LIMIT_TABLE}_expires_at_idx`)} rename to ${sql.id(`${TABLE_0001}_expires_at_idx`)}`.execute(
      db,
    );
    await sql`drop function ${sql.id(schema, RATE_LIMIT_FUNCTION)}(int, double precision, double precision, double precision, text[], int[], double precision[], double precision[], double precision[], double precision[])`.execute(
      db,
    );
    // Unlogged, as 0001's: counters are short-lived and rebuilt by traffic.
    await sql`
      create unlogged table ${sql.id(schema, RATE_LIMIT_TABLE)} (
        key text primary key,
        names text[] not null,
        s double precision[] not null,
        reply double precision[] not null,
        expires_at double precision not null)
    `.execute(db);
    await sql`create index ${sql.id(`${RATE_LIMIT_TABLE}_expires_at_idx`)} on ${sql.id(schema, RATE_LIMIT_TABLE)} (expires_at)`.execute(
      db,
    );
    // 0001 keyed a row `policy:scopeLength:scope:identity` (policy names hold no ':'); its
    // counters and blocks carry over, so a deploy lifts no block.
    await sql`
      insert into ${sql.id(schema, RATE_LIMIT_TABLE)} (key, names, s, reply, expires_at)
      select substr(key, strpos(key, ':') + 1),
        array_agg(left(key, strpos(key, ':') - 1) order by key),
        array_agg(array[a, b, c, k, expires_at] order by key), '{}', max(expires_at)
      from ${old} group by 1
    `.execute(db);
    await sql`drop table ${old}`.execute(db);
    // Schema-qualified inside the body, as 0001's (see there).
    const body = CHECK_FUNCTION_BODY_0002.replaceAll(
      RATE_LIMIT_TABLE,
      `"${schema}".${RATE_LIMIT_TABLE}`,
    );
    await sql`
      create function ${sql.id(schema, RATE_LIMIT_FUNCTION)}(
        p_mode int, p_now double precision, p_cost double precision, p_block_until double precision,
        p_key text, p_names text[], p_codes int[], p_limits double precision[],
        p_windows double precision[], p_bursts double precision[], p_block_ms double precision[])
      returns double precision[]
      language plpgsql
      as ${sql.lit(body)}
    `.execute(db);
  },
  // Back to 0001's empty table and function: counters are not carried back.
  async down(db, context) {
    const { schema } = context;
    await sql`drop function if exists ${sql.id(schema, RATE_LIMIT_FUNCTION)}(int, double precision, double precision, double precision, text, text[], int[], double precision[], double precision[], double precision[], double precision[])`.execute(
      db,
    );
    await sql`drop table ${sql.id(schema, RATE_LIMIT_TABLE)}`.execute(db);
    await createCounters.up(db, context);
  },
};

/**
 * The migrations of `PostgresRateLimitStore`, for core's `migrate()`: an `UNLOGGED` table of
 * counters, one row per client and route, and the `rampart_rate_limit_check` function.
 *
 * @example
 * await migrate(db, [rateLimitMigrations], { schema: 'security' });
 */
export const rateLimitMigrations: PostgresMigrations = Object.freeze({
  name: 'rate_limit',
  migrations: Object.freeze([Object.freeze(createCounters), Object.freeze(oneRowPerClient)]),
});
