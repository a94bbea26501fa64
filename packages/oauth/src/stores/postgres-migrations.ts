import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';

/** The table of `PostgresOAuthLinkStore`. */
export const OAUTH_LINKS_TABLE = 'rampart_oauth_links';

const createLinks: PostgresMigration = {
  name: '0001_create_links',
  async up(db, { schema }) {
    await db.schema
      .withSchema(schema)
      .createTable(OAUTH_LINKS_TABLE)
      .addColumn('provider', 'text', (column) => column.notNull())
      .addColumn('subject', 'text', (column) => column.notNull())
      .addColumn('user_id', 'text', (column) => column.notNull())
      .addColumn('linked_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${OAUTH_LINKS_TABLE}_pkey`, ['provider', 'subject'])
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${OAUTH_LINKS_TABLE}_user_id_idx`)
      .on(OAUTH_LINKS_TABLE)
      .column('user_id')
      .execute();
  },
  async down(db, { schema }) {
    await db.schema.withSchema(schema).dropTable(OAUTH_LINKS_TABLE).ifExists().execute();
  },
};

/** The migrations of `PostgresOAuthLinkStore`, for core's `migrate(db, [oauthMigrations])`. */
export const oauthMigrations: PostgresMigrations = Object.freeze({
  name: 'oauth',
  migrations: Object.freeze([Object.freeze(createLinks)]),
});
