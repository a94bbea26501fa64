/**
 * `@rampart/core/postgres`: the migration runner every package's Postgres store uses, and the
 * Postgres nonce store. Needs `kysely` (and a Postgres driver such as `pg`) installed.
 */
export { deleteExpiredBatch } from './postgres/delete-expired-batch.js';
export { kyselySchema, postgresIdentifierSchema } from './postgres/identifiers.js';
export {
  type MigrateOptions,
  type MigrateResult,
  migrate,
  type PostgresMigration,
  type PostgresMigrationContext,
  type PostgresMigrations,
} from './postgres/migrate.js';
export { warnIfNotMigrated } from './postgres/not-migrated.js';
export {
  type PostgresStoreDeadlineInit,
  type PostgresStoreDefaults,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
} from './postgres/store-options.js';
export {
  PostgresSettingsStore,
  type PostgresSettingsStoreOptions,
  SETTINGS_TABLE,
  settingsStoreMigrations,
} from './settings/postgres-settings-store.js';
export {
  createNonceStoreMigrations,
  NONCE_TABLE,
  type NonceStoreMigrationsOptions,
  nonceStoreMigrations,
} from './stores/postgres-nonce-migrations.js';
export {
  PostgresNonceStore,
  type PostgresNonceStoreOptions,
  type PurgeExpiredOptions,
} from './stores/postgres-nonce-store.js';
export {
  createStoreDeadline,
  type StoreDeadline,
  type StoreDeadlineOptions,
  withTimeout,
} from './stores/store-deadline.js';
