/**
 * `@rampart/mfa/postgres`: the Postgres MFA store and its migrations. Needs `kysely` and a
 * Postgres driver such as `pg`.
 */
export { PostgresMfaStore, type PostgresMfaStoreOptions } from './stores/postgres.js';
export { MFA_TABLES, mfaMigrations } from './stores/postgres-migrations.js';
