import { sql } from 'kysely';
import { z } from 'zod';
import { booleanOption, parseOptions } from '../config.js';
import type { PostgresMigration, PostgresMigrations } from '../postgres/migrate.js';

/** The table the Postgres nonce store claims in. */
export const NONCE_TABLE = 'rampart_core_nonces';
/** The function a claim calls: `(key text, expires_at bigint, now bigint) → boolean`. */
export const CLAIM_NONCE_FUNCTION = 'rampart_core_claim_nonce';

/**
 * The claim, in PL/pgSQL so that Postgres plans its `insert … on conflict … do update … where`
 * once per connection and keeps the plan: sent as a statement, the upsert was parsed and planned
 * on every claim, ~10 µs of server CPU more than the bare insert it is measured against. A row
 * is written only by the caller who inserts the key or takes over its expired row (the unique
 * index lets one insert win; the conflicting row's lock and the re-check of `expires_at` let one
 * takeover win), and `found` says whether this call wrote it.
 */
const CLAIM_FUNCTION_BODY = `
begin
  insert into ${NONCE_TABLE} as nonce (key, expires_at) values (p_key, p_expires_at)
  on conflict (key) do update set expires_at = excluded.expires_at
    where nonce.expires_at <= p_now;
  return found;
end
`;

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

const migrationsSchema = z.strictObject({
  unlogged: booleanOption(false),
});

/**
 * The migrations of `PostgresNonceStore`, for `migrate()`: table `rampart_core_nonces`
 * (`key text primary key`, `expires_at bigint not null`, epoch milliseconds of the store's
 * clock), an index on `expires_at` for `purgeExpired()`, and the function every claim calls,
 * `rampart_core_claim_nonce(key, expires_at, now)`.
 *
 * @example
 * await migrate(db, [createNonceStoreMigrations({ unlogged: true })]);
 */
export function createNonceStoreMigrations(
  options: NonceStoreMigrationsOptions = {},
): PostgresMigrations {
  const { unlogged } = parseOptions('createNonceStoreMigrations', migrationsSchema, options);
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
  const createClaimFunction: PostgresMigration = {
    name: '0002_create_claim_function',
    async up(db, { schema }) {
      // The table is schema-qualified in the body rather than found through a `set search_path`
      // clause, which Postgres would save and restore on every call. `schema` passed
      // `postgresIdentifierSchema` (lower-case letters, digits, _), so quoting it is exact.
      const body = CLAIM_FUNCTION_BODY.replace(NONCE_TABLE, `"${schema}".${NONCE_TABLE}`);
      await sql`
        create function ${sql.id(schema, CLAIM_NONCE_FUNCTION)}(
          p_key text, p_expires_at bigint, p_now bigint)
        returns boolean
        language plpgsql
        as ${sql.lit(body)}
      `.execute(db);
    },
    async down(db, { schema }) {
      await sql`drop function if exists ${sql.id(schema, CLAIM_NONCE_FUNCTION)}`.execute(db);
    },
  };
  return Object.freeze({
    name: 'core',
    migrations: Object.freeze([Object.freeze(createNonces), Object.freeze(createClaimFunction)]),
  });
}

/** The durable (logged) nonce table; see {@link createNonceStoreMigrations} for the unlogged one. */
export const nonceStoreMigrations: PostgresMigrations = createNonceStoreMigrations();
