import { z } from 'zod';
import type { StoreDeadlineOptions } from '../stores/store-deadline.js';
import { kyselySchema, postgresIdentifierSchema } from './identifiers.js';
import { warnIfNotMigrated } from './not-migrated.js';

/** The defaults a Postgres store chooses for the options every one of them takes. */
export interface PostgresStoreDefaults {
  /** How long one statement may take before the caller gets a 503. */
  queryTimeoutMs: number;
}

/**
 * The options every Rampart Postgres store takes, as a zod shape to spread into the store's own
 * schema: `db` (the user's Kysely instance), `schema` (an identifier, default `public`),
 * `queryTimeoutMs` (1 to 60 000, default per store) and `purgeIntervalMs` (0 to a day, default
 * 60 000; `0` leaves purging to a scheduled job).
 *
 * @example
 * const optionsSchema = z.strictObject({
 *   ...postgresStoreOptionsShape({ queryTimeoutMs: 2000 }),
 *   clock: clockSchema.optional(),
 * });
 */
export function postgresStoreOptionsShape(defaults: PostgresStoreDefaults) {
  return {
    db: kyselySchema,
    schema: postgresIdentifierSchema.default('public'),
    queryTimeoutMs: z.number().int().min(1).max(60_000).default(defaults.queryTimeoutMs),
    purgeIntervalMs: z.number().int().min(0).max(86_400_000).default(60_000),
  };
}

/** What {@link postgresStoreDeadline} needs to know of the store. */
export interface PostgresStoreDeadlineInit {
  /** Names the store in `StoreUnavailableError`, e.g. `postgres-nonce-store`. */
  store: string;
  /** The class, as the not-migrated warning names it, e.g. `PostgresNonceStore`. */
  owner: string;
  /** The schema its tables live in. */
  schema: string;
  queryTimeoutMs: number;
}

/**
 * The deadline options of a Postgres store, for `createStoreDeadline` or `withTimeout`: its
 * statements bounded by `queryTimeoutMs` (503 `StoreUnavailableError` after it), and one
 * `RAMPART_POSTGRES_NOT_MIGRATED` warning when a statement fails because the schema lacks the
 * store's table, column or function.
 */
export function postgresStoreDeadline(init: PostgresStoreDeadlineInit): StoreDeadlineOptions {
  const { store, owner, schema, queryTimeoutMs } = init;
  return {
    store,
    timeoutMs: queryTimeoutMs,
    onFailure: (error) => warnIfNotMigrated(error, owner, schema),
  };
}
