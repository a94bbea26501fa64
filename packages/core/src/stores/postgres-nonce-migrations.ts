import { sql } from 'kysely';
import type { PostgresMigration, PostgresMigrations } from '../postgres/migrate.js';

/** The table the Postgres nonce store claims in. */
export const NONCE_TABLE = 'rampart_core_nonces';

/** Options of {@link createNonceStoreMigrations}. */
export interface NonceStoreMigrationsOptions {
  /**
   * Create the table `UNLOGGED`: no WAL, so a claim skips the WAL flush of a durable insert
   * (~330 µs on our VMs) and replicas never see the table. The price: Postgres truncates an
   * unlogged table after a crash or an unclean shutdown, so every nonce claimed before the crash
   * could be replayed until its TTL runs out. Choose it only where that window is acceptable
   * (short TTLs, a signed timestamp that also bounds replays). Switch an existing table with
   * `ALTER TABLE … SET LOGGED` / `SET UNLOGGED`. Default `false`.
   */
  unlogged?: boolean;
}

/**
 * The migrations of `PostgresNonceStore`, for `migrate()`: table `rampart_core_nonces`
 * (`key text primary key`, `expires_at bigint not null`, epoch milliseconds of the store's
 * clock) and an index on `expires_at` for `purgeExpired()`.
 *
 * @example
 * await migrate(db, [createNonceStoreMigrations({ unlogged: true })]);
 */
export function createNonceStoreMigrations(
  options: NonceStoreMigrationsOptions = {},
): PostgresMigrations {
  const unlogged = options.unlogged === true;
  const createNonces: PostgresMigration = {
    name: '0001_create_nonces',
    async up(db, { schema }) {
      let table = db.schema.withSchema(schema).createTable(NONCE_TABLE);
      if (unlogged) table = table.modifyFront(sql`unlogged`);
      await table
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .withSchema(schema)
        .createIndex(`${NONCE_TABLE}_expires_at_idx`)
        .on(NONCE_TABLE)
        .column('expires_at')
        .execute();
    },
    async down(db, { schema }) {
      await db.schema.withSchema(schema).dropTable(NONCE_TABLE).execute();
    },
  };
  return Object.freeze({ name: 'core', migrations: Object.freeze([Object.freeze(createNonces)]) });
}

/** The durable (logged) nonce table; see {@link createNonceStoreMigrations} for the unlogged one. */
export const nonceStoreMigrations: PostgresMigrations = createNonceStoreMigrations();
