/**
 * `@rampart/rate-limit/postgres`: the Postgres store and its migrations (run them with core's
 * `migrate()`). Needs `kysely` and a Postgres driver such as `pg`.
 */
export {
  PostgresRateLimitStore,
  type PostgresRateLimitStoreOptions,
  type PreparedStatementPool,
} from './stores/postgres.js';
export {
  RATE_LIMIT_SET_TABLES,
  RATE_LIMIT_TABLE,
  rateLimitMigrations,
} from './stores/postgres-migrations.js';
