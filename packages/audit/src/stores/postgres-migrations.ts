import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';
import { sql } from 'kysely';

/** Table names of `PostgresAuditStore`. */
export const AUDIT_TABLES = Object.freeze({
  records: 'rampart_audit_records',
  checkpoints: 'rampart_audit_checkpoints',
  userKeys: 'rampart_audit_user_keys',
});

const APPEND_ONLY_FUNCTION = 'rampart_audit_append_only';

const createTables: PostgresMigration = {
  name: '0001_create_tables',
  async up(db, { schema }) {
    const records = sql.id(schema, AUDIT_TABLES.records);
    const checkpoints = sql.id(schema, AUDIT_TABLES.checkpoints);
    const userKeys = sql.id(schema, AUDIT_TABLES.userKeys);
    const appendOnly = sql.id(schema, APPEND_ONLY_FUNCTION);
    await sql`create table ${records} (
      id bigserial primary key,
      chain text not null,
      seq bigint not null,
      at bigint not null,
      type text not null,
      severity text not null,
      outcome text not null,
      subject text,
      count integer not null,
      body text not null,
      hash text not null,
      constraint ${sql.id(`${AUDIT_TABLES.records}_chain_seq_key`)} unique (chain, seq)
    )`.execute(db);
    await sql`create index ${sql.id(`${AUDIT_TABLES.records}_type_idx`)} on ${records} (type, id)`.execute(
      db,
    );
    await sql`create index ${sql.id(`${AUDIT_TABLES.records}_subject_idx`)} on ${records} (subject, id) where subject is not null`.execute(
      db,
    );
    // BRIN: times grow with the table, so a block range index serves the metrics' time window at
    // a fraction of a B-tree's cost per insert.
    await sql`create index ${sql.id(`${AUDIT_TABLES.records}_at_idx`)} on ${records} using brin (at)`.execute(
      db,
    );
    await sql`create table ${checkpoints} (
      chain text not null,
      seq bigint not null,
      hash text not null,
      at bigint not null,
      signature text not null,
      primary key (chain, seq)
    )`.execute(db);
    await sql`create table ${userKeys} (
      user_ref text primary key,
      subject text not null unique,
      sealed_key text not null,
      created_at bigint not null
    )`.execute(db);
    // Append-only: a record or checkpoint is never updated (deletes remain for retention).
    // A database owner can drop the trigger; the chain is what proves nothing changed.
    await sql`create function ${appendOnly}() returns trigger language plpgsql as $$
      begin raise exception 'audit records are append-only' using errcode = 'P0001'; end $$`.execute(
      db,
    );
    for (const table of [records, checkpoints]) {
      await sql`create trigger rampart_audit_append_only before update on ${table}
        for each row execute function ${appendOnly}()`.execute(db);
    }
  },
  async down(db, { schema }) {
    for (const table of Object.values(AUDIT_TABLES)) {
      await db.schema.withSchema(schema).dropTable(table).ifExists().execute();
    }
    await sql`drop function if exists ${sql.id(schema, APPEND_ONLY_FUNCTION)}()`.execute(db);
  },
};

/**
 * The migrations of `PostgresAuditStore`: `await migrate(db, [auditMigrations], { schema })`.
 */
export const auditMigrations: PostgresMigrations = Object.freeze({
  name: 'audit',
  migrations: Object.freeze([createTables]),
});
