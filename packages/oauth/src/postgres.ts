/**
 * `@rampart/oauth/postgres`: the Postgres link store and its migrations. Needs `kysely` and a
 * Postgres driver such as `pg`.
 */

export { PostgresOAuthLinkStore, type PostgresOAuthLinkStoreOptions } from './stores/postgres.js';
export { OAUTH_LINKS_TABLE, oauthMigrations } from './stores/postgres-migrations.js';
