/**
 * `@rampart/audit/postgres`: the trail's Postgres store and its migrations. Needs `kysely` and a
 * Postgres driver (`pg`).
 */

export { PostgresAuditStore, type PostgresAuditStoreOptions } from './stores/postgres.js';
export { AUDIT_TABLES, auditMigrations } from './stores/postgres-migrations.js';
