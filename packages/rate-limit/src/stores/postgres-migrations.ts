import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';
import { sql } from 'kysely';
import { CHECK_FUNCTION_BODY } from './postgres-function.js';

/** The table of counters: one row per client, route and policy. */
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

/**
 * The migrations of `PostgresRateLimitStore`, for core's `migrate()`: an `UNLOGGED` table of
 * counters and the `rampart_rate_limit_check` function.
 *
 * @example
 * await migrate(db, [rateLimitMigrations], { schema: 'security' });
 */
export const rateLimitMigrations: PostgresMigrations = Object.freeze({
  name: 'rate_limit',
  migrations: Object.freeze([Object.freeze(createCounters)]),
});
