/**
 * `@rampart/api-keys/postgres`: the Postgres key store and its migrations. Needs `kysely` and a
 * Postgres driver such as `pg`.
 */

export { PostgresApiKeyStore, type PostgresApiKeyStoreOptions } from './stores/postgres.js';
export { API_KEY_TABLES, apiKeyMigrations } from './stores/postgres-migrations.js';
