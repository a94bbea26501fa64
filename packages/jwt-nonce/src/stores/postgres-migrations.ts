import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';

/** Table names of `PostgresJwtNonceStore`. */
export const JWT_NONCE_TABLES = Object.freeze({
  tokens: 'rampart_jwt_nonce_tokens',
  families: 'rampart_jwt_nonce_families',
  users: 'rampart_jwt_nonce_users',
});

const createTables: PostgresMigration = {
  name: '0001_create_tables',
  async up(db, { schema }) {
    const { tokens, families, users } = JWT_NONCE_TABLES;
    await db.schema
      .withSchema(schema)
      .createTable(tokens)
      .addColumn('iss', 'text', (column) => column.notNull())
      .addColumn('jti', 'text', (column) => column.notNull())
      .addColumn('sub', 'text', (column) => column.notNull())
      // 'a' active, 's' spent, 'r' revoked.
      .addColumn('status', 'char(1)', (column) => column.notNull())
      .addColumn('issued_at', 'bigint')
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${tokens}_pkey`, ['iss', 'jti'])
      .execute();
    await db.schema
      .withSchema(schema)
      .createTable(families)
      .addColumn('iss', 'text', (column) => column.notNull())
      .addColumn('sub', 'text', (column) => column.notNull())
      .addColumn('family', 'text', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${families}_pkey`, ['iss', 'sub', 'family'])
      .execute();
    await db.schema
      .withSchema(schema)
      .createTable(users)
      .addColumn('iss', 'text', (column) => column.notNull())
      .addColumn('sub', 'text', (column) => column.notNull())
      .addColumn('revoked_before', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${users}_pkey`, ['iss', 'sub'])
      .execute();
    for (const [table, column] of [
      [tokens, 'sub'],
      [tokens, 'expires_at'],
      [families, 'expires_at'],
      [users, 'expires_at'],
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
    for (const table of Object.values(JWT_NONCE_TABLES)) {
      await db.schema.withSchema(schema).dropTable(table).ifExists().execute();
    }
  },
};

/**
 * Binds each token row to the family it was issued in (it already names its `sub`), so a lookup
 * matches `iss, jti, sub, family`. Rows written before have no family (`''`, which no presented
 * family equals): those tokens are refused, and their users sign in again.
 */
const bindTokensToFamily: PostgresMigration = {
  name: '0002_bind_tokens_to_family',
  async up(db, { schema }) {
    const { tokens } = JWT_NONCE_TABLES;
    await db.schema
      .withSchema(schema)
      .alterTable(tokens)
      .addColumn('family', 'text', (column) => column.notNull().defaultTo(''))
      .execute();
    // The default only fills existing rows: every write names the family.
    await db.schema
      .withSchema(schema)
      .alterTable(tokens)
      .alterColumn('family', (column) => column.dropDefault())
      .execute();
  },
  async down(db, { schema }) {
    await db.schema
      .withSchema(schema)
      .alterTable(JWT_NONCE_TABLES.tokens)
      .dropColumn('family')
      .execute();
  },
};

/**
 * Binds each token row to the kind it was issued as (`access` or `refresh`), so a lookup matches
 * `iss, jti, sub, family, kind`: an access token's id is no refresh token's. Rows written before
 * have no kind (`''`, which no presented kind equals): those tokens are refused, and their users
 * sign in again.
 */
const bindTokensToKind: PostgresMigration = {
  name: '0003_bind_tokens_to_kind',
  async up(db, { schema }) {
    const { tokens } = JWT_NONCE_TABLES;
    await db.schema
      .withSchema(schema)
      .alterTable(tokens)
      .addColumn('kind', 'text', (column) => column.notNull().defaultTo(''))
      .execute();
    // The default only fills existing rows: every write names the kind.
    await db.schema
      .withSchema(schema)
      .alterTable(tokens)
      .alterColumn('kind', (column) => column.dropDefault())
      .execute();
  },
  async down(db, { schema }) {
    await db.schema
      .withSchema(schema)
      .alterTable(JWT_NONCE_TABLES.tokens)
      .dropColumn('kind')
      .execute();
  },
};

/**
 * The migrations of `PostgresJwtNonceStore`, for core's `migrate()`: tables
 * `rampart_jwt_nonce_tokens` (primary key (iss, jti), bound to `sub`, `family` and `kind`),
 * `rampart_jwt_nonce_families` and `rampart_jwt_nonce_users`, times as epoch-ms `bigint`s.
 *
 * @example
 * await migrate(db, [jwtNonceMigrations], { schema: 'security' });
 */
export const jwtNonceMigrations: PostgresMigrations = Object.freeze({
  name: 'jwt_nonce',
  migrations: Object.freeze([
    Object.freeze(createTables),
    Object.freeze(bindTokensToFamily),
    Object.freeze(bindTokensToKind),
  ]),
});
