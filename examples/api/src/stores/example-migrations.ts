import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';

/** The app's own tables. `rampart_` first, so `--fresh` empties them with the packages' tables. */
export const EXAMPLE_TABLES = Object.freeze({
  users: 'rampart_example_users',
  records: 'rampart_example_records',
});

const createUsers: PostgresMigration = {
  name: '0001_create_users',
  async up(db, { schema }) {
    await db.schema
      .withSchema(schema)
      .createTable(EXAMPLE_TABLES.users)
      .addColumn('id', 'text', (column) => column.primaryKey())
      // Unique: the constraint is what makes registration atomic (insert … on conflict).
      .addColumn('email', 'text', (column) => column.notNull().unique())
      .addColumn('password_hash', 'text', (column) => column.notNull())
      .addColumn('role', 'text', (column) => column.notNull())
      .addColumn('locked', 'boolean', (column) => column.notNull().defaultTo(false))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .execute();
  },
};

const createRecords: PostgresMigration = {
  name: '0002_create_records',
  async up(db, { schema }) {
    await db.schema
      .withSchema(schema)
      .createTable(EXAMPLE_TABLES.records)
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('entity_id', 'text', (column) => column.notNull())
      .addColumn('data', 'jsonb', (column) => column.notNull())
      .addColumn('created_by', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      // A sequence, so records of one entity list in insertion order even within one millisecond.
      .addColumn('seq', 'bigserial', (column) => column.notNull())
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${EXAMPLE_TABLES.records}_entity_idx`)
      .on(EXAMPLE_TABLES.records)
      .columns(['entity_id', 'seq'])
      .execute();
  },
};

/** The example app's migrations, for core's `migrate()` beside the packages' own. */
export const exampleMigrations: PostgresMigrations = Object.freeze({
  name: 'example',
  migrations: Object.freeze([createUsers, createRecords]),
});
