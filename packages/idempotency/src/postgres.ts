/**
 * `@rampart/idempotency/postgres`: the Postgres store and its migrations. Needs `kysely` and a
 * Postgres driver such as `pg`.
 */
export {
  PostgresIdempotencyStore,
  type PostgresIdempotencyStoreOptions,
} from './stores/postgres.js';
export { IDEMPOTENCY_TABLE, idempotencyMigrations } from './stores/postgres-migrations.js';
