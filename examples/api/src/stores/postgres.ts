import { apiKeyMigrations, PostgresApiKeyStore } from '@rampart/api-keys/postgres';
import { auditMigrations } from '@rampart/audit/postgres';
import { StoreUnavailableError } from '@rampart/core';
import {
  migrate,
  nonceStoreMigrations,
  PostgresNonceStore,
  PostgresSettingsStore,
  settingsStoreMigrations,
} from '@rampart/core/postgres';
import { idempotencyMigrations, PostgresIdempotencyStore } from '@rampart/idempotency/postgres';
import { jwtNonceMigrations, PostgresJwtNonceStore } from '@rampart/jwt-nonce/postgres';
import { mfaMigrations, PostgresMfaStore } from '@rampart/mfa/postgres';
import { oauthMigrations, PostgresOAuthLinkStore } from '@rampart/oauth/postgres';
import { PostgresRateLimitStore, rateLimitMigrations } from '@rampart/rate-limit/postgres';
import { sessionsMigrations } from '@rampart/sessions/postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { accountLockMigrations } from '../audit/account-locks.js';
import { postgresAuditStores } from '../audit/audit-stores.js';
import type { AppConfig } from '../config.js';
import { ConfigError } from '../config-error.js';
import { PostgresRecordStore } from '../entities/postgres-record-store.js';
import { postgresSessionStores } from '../sessions/session-stores.js';
import { PostgresUserStore } from '../users/postgres-user-store.js';
import { type AppStores, PING_TIMEOUT_MS, reason, redactUrl, withTimeout } from './app-stores.js';
import { exampleMigrations } from './example-migrations.js';

// biome-ignore lint/suspicious/noExplicitAny: the stores take an untyped Kysely, as a user's app would pass.
type Db = Kysely<any>;

/** The migrations of every store the app runs on Postgres; later issues add theirs. */
const MIGRATIONS = [
  apiKeyMigrations,
  nonceStoreMigrations,
  jwtNonceMigrations,
  rateLimitMigrations,
  idempotencyMigrations,
  mfaMigrations,
  sessionsMigrations,
  oauthMigrations,
  auditMigrations,
  accountLockMigrations,
  settingsStoreMigrations,
  exampleMigrations,
];

/** Kysely's bookkeeping (`rampart_<set>_migrations`, `rampart_migrations_lock`): never emptied. */
function isMigrationTable(name: string): boolean {
  return /_migrations(?:_lock)?$/.test(name);
}

/**
 * Empties the app's tables in `schema`, keeping the migrations' own bookkeeping so the schema
 * is not migrated twice. Only `rampart_*` tables: the schema may be shared with the user's own.
 */
async function truncateAppTables(db: Db, schema: string): Promise<void> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = ${schema} and table_type = 'BASE TABLE' and table_name like 'rampart\\_%'
  `.execute(db);
  const tables = rows.map((row) => row.table_name).filter((name) => !isMigrationTable(name));
  if (tables.length === 0) return;
  const ids = sql.join(tables.map((name) => sql.id(schema, name)));
  await sql`truncate table ${ids}`.execute(db);
}

/** Stores on Postgres, every table in `DATABASE_SCHEMA` (`rampart_example` by default). */
export async function openPostgresStores(config: AppConfig): Promise<AppStores> {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: 10,
    connectionTimeoutMillis: 2000,
  });
  // A client losing its connection emits 'error': on the pool while idle, on the client itself
  // while checked out (Kysely holds one per query). Without both listeners that is an uncaught
  // exception, and a Postgres restart or pg_terminate_backend would crash the app
  // (faults.test.ts); with them the query in flight fails, as a 503, and the pool reconnects.
  const logLost = (error: Error) => console.error(`Postgres: ${reason(error)}`);
  pool.on('error', logLost);
  pool.on('connect', (client) => client.on('error', logLost));
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const schema = config.databaseSchema;

  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw new ConfigError(
      'DATABASE_URL',
      `no Postgres answered at ${redactUrl(config.databaseUrl)} (${reason(error)})`,
    );
  }
  try {
    // Creates the schema when missing; several instances starting at once migrate once.
    await migrate(db, MIGRATIONS, { schema });
    if (config.fresh) await truncateAppTables(db, schema);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }

  return {
    kind: 'postgres',
    nonces: new PostgresNonceStore({ db, schema }),
    tokens: new PostgresJwtNonceStore({ db, schema }),
    // `pool`: the checks run as prepared statements (planned once per connection), not through Kysely.
    rateLimits: new PostgresRateLimitStore({ db, schema, pool }),
    users: new PostgresUserStore({ db, schema }),
    settings: new PostgresSettingsStore({ db, schema }),
    records: new PostgresRecordStore({ db, schema }),
    apiKeys: new PostgresApiKeyStore({ db, schema }),
    idempotency: new PostgresIdempotencyStore({ db, schema }),
    mfa: new PostgresMfaStore({ db, schema }),
    sessions: await postgresSessionStores(db, schema),
    audit: postgresAuditStores(db, schema),
    oauthLinks: new PostgresOAuthLinkStore({ db, schema }),
    async ping() {
      try {
        await withTimeout(sql`select 1`.execute(db), PING_TIMEOUT_MS, 'Postgres ping');
      } catch (error) {
        throw new StoreUnavailableError('postgres', error);
      }
    },
    async close() {
      await withTimeout(db.destroy(), PING_TIMEOUT_MS * 5, 'Postgres pool end').catch(() => {});
    },
  };
}
