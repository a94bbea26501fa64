import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';
import { sql } from 'kysely';

/** The table of `PostgresIdempotencyStore`. */
export const IDEMPOTENCY_TABLE = 'rampart_idempotency_records';
/** The function a claim calls (see the migration below). */
export const CLAIM_FUNCTION = 'rampart_idempotency_claim';

/**
 * The claim, in PL/pgSQL so that it stays one round trip and answers exactly under races. The
 * upsert writes a row only for the caller who inserts the key or takes over its expired row (the
 * unique index lets one insert win; the conflicting row's lock and the re-check of `expires_at`
 * let one takeover win). A caller that wrote nothing then reads the row that stopped it: in a
 * function each statement takes a new snapshot, so it sees the winner's committed row, which a
 * single `insert … returning` plus `select` statement would not. A row deleted in between (a
 * release, a purge) is tried again.
 */
const CLAIM_FUNCTION_BODY = `
declare
  held record;
begin
  for attempt in 1..3 loop
    insert into ${IDEMPOTENCY_TABLE} as rec (key, user_id, fingerprint, lease_id, response, expires_at)
      values (p_key, p_user_id, p_fingerprint, p_lease_id, null, p_expires_at)
    on conflict (key) do update set user_id = excluded.user_id,
      fingerprint = excluded.fingerprint, lease_id = excluded.lease_id, response = null,
      expires_at = excluded.expires_at
      where rec.expires_at <= p_now;
    if found then
      return query select 'acquired'::text, null::text, p_expires_at;
      return;
    end if;
    select r.fingerprint, r.response, r.expires_at into held
      from ${IDEMPOTENCY_TABLE} r where r.key = p_key;
    if found and held.expires_at > p_now then
      if held.fingerprint <> p_fingerprint then
        return query select 'mismatch'::text, null::text, held.expires_at;
      elsif held.response is null then
        return query select 'in-flight'::text, null::text, held.expires_at;
      else
        return query select 'completed'::text, held.response, held.expires_at;
      end if;
      return;
    end if;
  end loop;
  -- Three rows came and went under us: answer as a lease held for a moment.
  return query select 'in-flight'::text, null::text, p_now + 1000;
end
`;

const createRecords: PostgresMigration = {
  name: '0001_create_records',
  async up(db, { schema }) {
    await db.schema
      .withSchema(schema)
      .createTable(IDEMPOTENCY_TABLE)
      .addColumn('key', 'text', (column) => column.primaryKey())
      .addColumn('user_id', 'text', (column) => column.notNull())
      .addColumn('fingerprint', 'text', (column) => column.notNull())
      .addColumn('lease_id', 'text', (column) => column.notNull())
      .addColumn('response', 'text')
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${IDEMPOTENCY_TABLE}_user_id_idx`)
      .on(IDEMPOTENCY_TABLE)
      .column('user_id')
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${IDEMPOTENCY_TABLE}_expires_at_idx`)
      .on(IDEMPOTENCY_TABLE)
      .column('expires_at')
      .execute();
  },
  async down(db, { schema }) {
    await db.schema.withSchema(schema).dropTable(IDEMPOTENCY_TABLE).execute();
  },
};

const createClaimFunction: PostgresMigration = {
  name: '0002_create_claim_function',
  async up(db, { schema }) {
    // The table is schema-qualified in the body rather than found through `search_path`.
    // `schema` passed `postgresIdentifierSchema` (lower-case letters, digits, _), so quoting it is
    // exact.
    const body = CLAIM_FUNCTION_BODY.replaceAll(
      IDEMPOTENCY_TABLE,
      `"${schema}".${IDEMPOTENCY_TABLE}`,
    );
    await sql`
      create function ${sql.id(schema, CLAIM_FUNCTION)}(
        p_key text, p_user_id text, p_fingerprint text, p_lease_id text,
        p_expires_at bigint, p_now bigint)
      returns table(o_outcome text, o_response text, o_expires_at bigint)
      language plpgsql
      as ${sql.lit(body)}
    `.execute(db);
  },
  async down(db, { schema }) {
    await sql`drop function if exists ${sql.id(schema, CLAIM_FUNCTION)}`.execute(db);
  },
};

/**
 * The migrations of `PostgresIdempotencyStore`, for `migrate()` from `@rampart/core/postgres`:
 * table `rampart_idempotency_records` (`key` primary key, `user_id`, `fingerprint`, `lease_id`,
 * `response` (null while the lease runs), `expires_at` epoch ms of the store's clock), indexes on
 * `user_id` (purgeUser) and `expires_at` (purgeExpired), and the claim function.
 *
 * @example
 * await migrate(db, [idempotencyMigrations]);
 */
export const idempotencyMigrations: PostgresMigrations = Object.freeze({
  name: 'idempotency',
  migrations: Object.freeze([Object.freeze(createRecords), Object.freeze(createClaimFunction)]),
});
