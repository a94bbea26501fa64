import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';
import { sql } from 'kysely';

/** Table names of `PostgresApiKeyStore`. */
export const API_KEY_TABLES = Object.freeze({ keys: 'rampart_api_keys_keys' });

const createKeys: PostgresMigration = {
  name: '0001_create_keys',
  async up(db, { schema }) {
    const { keys } = API_KEY_TABLES;
    await db.schema
      .withSchema(schema)
      .createTable(keys)
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('owner_id', 'text', (column) => column.notNull())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('environment', 'text', (column) => column.notNull())
      .addColumn('scopes', sql`text[]`, (column) => column.notNull())
      // Keyed hashes (h1.<pepper>.<mac>), never the secret.
      .addColumn('secret_hash', 'text', (column) => column.notNull())
      .addColumn('previous_secret_hash', 'text')
      .addColumn('previous_valid_until', 'bigint')
      // Sealed with the key ring, never in clear.
      .addColumn('signing_secret', 'text')
      .addColumn('previous_signing_secret', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('rotated_at', 'bigint')
      .addColumn('rotation_due_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .addColumn('disabled', 'boolean', (column) => column.notNull().defaultTo(false))
      .addColumn('revoked_at', 'bigint')
      .addColumn('metadata', 'jsonb')
      .addColumn('rate_limit', 'bigint')
      .addColumn('rate_window_ms', 'bigint')
      // The key's fixed-window counter: the window's start and the requests counted in it.
      .addColumn('counter_window', 'bigint')
      .addColumn('counter_count', 'bigint')
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${keys}_owner_id_idx`)
      .on(keys)
      .column('owner_id')
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${keys}_rotation_due_at_idx`)
      .on(keys)
      .column('rotation_due_at')
      .where(sql.ref('revoked_at'), 'is', null)
      .execute();
  },
  async down(db, { schema }) {
    await db.schema.withSchema(schema).dropTable(API_KEY_TABLES.keys).ifExists().execute();
  },
};

/** The migrations of `PostgresApiKeyStore`: run `migrate(db, [apiKeyMigrations])` first. */
export const apiKeyMigrations: PostgresMigrations = Object.freeze({
  name: 'api_keys',
  migrations: Object.freeze([createKeys]),
});
