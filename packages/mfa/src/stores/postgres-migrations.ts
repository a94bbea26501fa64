import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';
import { sql } from 'kysely';
import { ATTEMPT_FUNCTION_BODY } from './postgres-function.js';

/** Table and function names of `PostgresMfaStore`. */
export const MFA_TABLES = Object.freeze({
  users: 'rampart_mfa_users',
  recoveryCodes: 'rampart_mfa_recovery_codes',
  challenges: 'rampart_mfa_challenges',
  attemptFunction: 'rampart_mfa_attempt',
});

const createTables: PostgresMigration = {
  name: '0001_create_tables',
  async up(db, { schema }) {
    const { users, recoveryCodes, challenges, attemptFunction } = MFA_TABLES;
    await db.schema
      .withSchema(schema)
      .createTable(users)
      .addColumn('user_id', 'text', (column) => column.primaryKey())
      // Sealed with the key ring (AAD mfa-secret:<user_id>); null while MFA is off.
      .addColumn('secret', 'text')
      .addColumn('last_step', 'bigint')
      .addColumn('pending', 'text')
      .addColumn('pending_expires_at', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('failures', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('window_ends_at', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('locked_until', 'bigint', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .withSchema(schema)
      .createTable(recoveryCodes)
      .addColumn('user_id', 'text', (column) => column.notNull())
      // Keyed hash (h1.<pepperId>.<mac>); the code itself is never stored.
      .addColumn('code_hash', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${recoveryCodes}_pkey`, ['user_id', 'code_hash'])
      .execute();
    await db.schema
      .withSchema(schema)
      .createTable(challenges)
      .addColumn('token_hash', 'text', (column) => column.primaryKey())
      .addColumn('user_id', 'text', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .execute();
    for (const column of ['user_id', 'expires_at']) {
      await db.schema
        .withSchema(schema)
        .createIndex(`${challenges}_${column}_idx`)
        .on(challenges)
        .column(column)
        .execute();
    }
    // Tables are schema-qualified inside the body (no `set search_path`, which Postgres would
    // save and restore on every call). `schema` passed core's identifier check (lower-case
    // letters, digits, _), so quoting it is exact; the rest of the body is a constant.
    const body = ATTEMPT_FUNCTION_BODY.replaceAll(users, `"${schema}".${users}`).replaceAll(
      recoveryCodes,
      `"${schema}".${recoveryCodes}`,
    );
    await sql`
      create function ${sql.id(schema, attemptFunction)}(
        p_kind int, p_user text, p_now bigint, p_max_failures int, p_window_ms bigint,
        p_lock_ms bigint, p_secret text, p_step bigint, p_hashes text[])
      returns table (outcome text, detail text, engaged boolean)
      language plpgsql
      as ${sql.lit(body)}
    `.execute(db);
  },
  async down(db, { schema }) {
    const { users, recoveryCodes, challenges, attemptFunction } = MFA_TABLES;
    await sql`drop function if exists ${sql.id(schema, attemptFunction)}`.execute(db);
    for (const table of [users, recoveryCodes, challenges]) {
      await db.schema.withSchema(schema).dropTable(table).ifExists().execute();
    }
  },
};

/**
 * The migrations of `PostgresMfaStore`, for core's `migrate()`: tables `rampart_mfa_users`
 * (sealed secret, last accepted step, pending setup, failure counter and lock),
 * `rampart_mfa_recovery_codes` (keyed hashes) and `rampart_mfa_challenges` (token hashes), and
 * the function `rampart_mfa_attempt`. Times are epoch-ms `bigint`s.
 *
 * @example
 * await migrate(db, [mfaMigrations], { schema: 'security' });
 */
export const mfaMigrations: PostgresMigrations = Object.freeze({
  name: 'mfa',
  migrations: Object.freeze([Object.freeze(createTables)]),
});
