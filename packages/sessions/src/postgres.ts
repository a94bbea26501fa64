/**
 * `@rampart/sessions/postgres`: the Postgres session and trusted-device stores and their
 * migrations. Needs `kysely` and a Postgres driver such as `pg`.
 */
export { PostgresSessionStore, type PostgresSessionStoreOptions } from './stores/postgres.js';
export { SESSIONS_TABLES, sessionsMigrations } from './stores/postgres-migrations.js';
export {
  PostgresTrustedDeviceStore,
  type PostgresTrustedDeviceStoreOptions,
} from './stores/postgres-trusted-devices.js';
