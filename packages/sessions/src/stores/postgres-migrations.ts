import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';

/** Table names of `PostgresSessionStore` and `PostgresTrustedDeviceStore`. */
export const SESSIONS_TABLES = Object.freeze({
  sessions: 'rampart_sessions_sessions',
  /** One row per user with sessions or devices: the row a sign-in locks to apply the cap. */
  users: 'rampart_sessions_users',
  devices: 'rampart_sessions_devices',
});

const createTables: PostgresMigration = {
  name: '0001_create_tables',
  async up(db, { schema }) {
    const { sessions, users, devices } = SESSIONS_TABLES;
    await db.schema
      .withSchema(schema)
      .createTable(sessions)
      // SHA-256 of the token, base64url: no column holds a usable cookie.
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('user_id', 'text', (column) => column.notNull())
      // The user key in the cookie (SHA-256 of the user id): a lookup matches it with the id.
      .addColumn('user_key', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('last_seen_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addColumn('mfa_at', 'bigint')
      .addColumn('user_agent', 'text', (column) => column.notNull())
      .addColumn('ip', 'text', (column) => column.notNull())
      .addColumn('binding', 'text', (column) => column.notNull())
      // When a dead session stops being remembered (its death plus the retention).
      .addColumn('forget_at', 'bigint', (column) => column.notNull())
      .execute();
    await db.schema
      .withSchema(schema)
      .createTable(users)
      .addColumn('user_id', 'text', (column) => column.primaryKey())
      .execute();
    await db.schema
      .withSchema(schema)
      .createTable(devices)
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('user_id', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addColumn('user_agent', 'text', (column) => column.notNull())
      .execute();
    for (const [table, column] of [
      [sessions, 'user_id'],
      [sessions, 'forget_at'],
      [devices, 'user_id'],
      [devices, 'expires_at'],
    ] as const) {
      await db.schema
        .withSchema(schema)
        .createIndex(`${table}_${column}_idx`)
        .on(table)
        .column(column)
        .execute();
    }
  },
  async down(db, { schema }) {
    for (const table of Object.values(SESSIONS_TABLES)) {
      await db.schema.withSchema(schema).dropTable(table).ifExists().execute();
    }
  },
};

/**
 * The migrations of the Postgres session and trusted-device stores, for core's `migrate()`:
 * `rampart_sessions_sessions` (keyed by the token's SHA-256), `rampart_sessions_users` (the row
 * a sign-in locks) and `rampart_sessions_devices`, times as epoch-ms `bigint`s.
 *
 * @example
 * await migrate(db, [sessionsMigrations], { schema: 'security' });
 */
export const sessionsMigrations: PostgresMigrations = Object.freeze({
  name: 'sessions',
  migrations: Object.freeze([Object.freeze(createTables)]),
});
