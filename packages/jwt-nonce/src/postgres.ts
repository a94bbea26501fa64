/**
 * `@rampart/jwt-nonce/postgres`: the Postgres token store and its migrations. Needs `kysely`
 * and a Postgres driver such as `pg`.
 */

export {
  PostgresJwtNonceStore,
  type PostgresJwtNonceStoreOptions,
} from './stores/postgres.js';
export { JWT_NONCE_TABLES, jwtNonceMigrations } from './stores/postgres-migrations.js';
