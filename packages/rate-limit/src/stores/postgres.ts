import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  deleteExpiredBatch,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
  withTimeout,
} from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { PolicyOutcome } from '../algorithms/state.js';
import type {
  RateLimitAdjustment,
  RateLimitCheck,
  RateLimitKey,
  RateLimitStore,
} from '../store.js';
import {
  RATE_LIMIT_SET_TABLES,
  RATE_LIMIT_TABLE,
  SET_TABLE_WIDTHS,
  type SetTableWidth,
  setTableOf,
} from './postgres-migrations.js';
import { PolicyRows } from './postgres-policy-rows.js';
import { PolicySetRows } from './postgres-set-rows.js';

/** Options of {@link PostgresRateLimitStore}. */
export interface PostgresRateLimitStoreOptions {
  /** The application's Kysely instance on Postgres. Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our table
  db: Kysely<any>;
  /** The schema `migrate()` installed `rateLimitMigrations` in; default `public`. */
  schema?: string;
  /**
   * How long a check may wait (for a pooled connection, then the statement) before it fails with
   * `StoreUnavailableError`; default 1000. Set `connectionTimeoutMillis` on the pg Pool too.
   */
  queryTimeoutMs?: number;
  /** Every this many ms a check also starts one background batch deleting expired counters; `0` turns it off. Default 60 000. */
  purgeIntervalMs?: number;
  /**
   * The pg `Pool` under `db` (optional). Given, checks run on it as a named prepared statement,
   * which Postgres parses and plans once per connection (as `RateLimiterPostgres` does) instead
   * of once per check through Kysely: about half the server CPU a check. All else uses `db`.
   * Behind PgBouncer in transaction mode, only if it supports prepared statements (1.21+).
   */
  pool?: PreparedStatementPool;
}

/** What the store needs of a pg `Pool`: `query` with a named statement (pg prepares it once per connection). */
export interface PreparedStatementPool {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): PromiseLike<{ rows: unknown[] }>;
}

const optionsSchema = z.strictObject({
  ...postgresStoreOptionsShape({ queryTimeoutMs: 1000 }),
  pool: z
    .custom<PreparedStatementPool>(
      (value) => typeof (value as PreparedStatementPool | null)?.query === 'function',
      'must be a pg Pool (an object with a query method)',
    )
    .optional(),
});

const STORE = 'postgres-rate-limit-store';

/**
 * A `RateLimitStore` on Postgres (run `migrate(db, [rateLimitMigrations])` first). Every check is
 * ONE statement that locks the client's row, decides and writes: an upsert of the policy's row
 * for a one-policy limiter (`PolicyRows`), an upsert of the one row holding every policy's state
 * for several (`PolicySetRows`, in the narrowest of three tables that fits the list), so
 * concurrent checks from any number of processes count exactly and every policy moves or none does.
 *
 * @example
 * await migrate(db, [rateLimitMigrations]);
 * const store = new PostgresRateLimitStore({ db });
 */
export class PostgresRateLimitStore implements RateLimitStore {
  readonly name = STORE;
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresRateLimitStoreOptions.db
  readonly #db: Kysely<any>;
  /** Every check's bound, and one warning if the schema was never migrated. */
  readonly #deadline: StoreDeadline;
  /** Keys of one policy, on a row per policy. */
  readonly #single: PolicyRows;
  /** Keys of several policies, on a row per policy list, in the narrowest table that fits it. */
  readonly #sets: Readonly<Record<SetTableWidth, PolicySetRows>>;
  readonly #tables: readonly RawBuilder<unknown>[];
  readonly #purgeIntervalMs: number;
  #nextPurgeAt = 0;

  constructor(options: PostgresRateLimitStoreOptions) {
    const parsed = parseOptions('PostgresRateLimitStore', optionsSchema, options);
    const { db, pool, schema } = parsed;
    this.#db = db;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresRateLimitStore',
        schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    // `schema` passed `postgresIdentifierSchema` (lower-case letters, digits, _): quoting is exact.
    const shared = { db, pool, deadline: this.#deadline, store: STORE };
    this.#single = new PolicyRows({ ...shared, schema, table: `"${schema}".${RATE_LIMIT_TABLE}` });
    const setRows = (width: SetTableWidth) =>
      new PolicySetRows({ ...shared, width, table: `"${schema}".${RATE_LIMIT_SET_TABLES[width]}` });
    this.#sets = { 2: setRows(2), 4: setRows(4), 8: setRows(8) };
    this.#tables = [
      sql.id(schema, RATE_LIMIT_TABLE),
      ...SET_TABLE_WIDTHS.map((width) => sql.id(schema, RATE_LIMIT_SET_TABLES[width])),
    ];
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
  }

  hit({ key, cost, now }: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    this.#maybePurge(now);
    return this.#rowsOf(key).hit(key, cost, now);
  }

  peek({ key, cost, now }: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return this.#rowsOf(key).peek(key, cost, now);
  }

  /** Rare (rewards, penalties): a transaction that locks the row and writes `adjustState`'s states. */
  adjust({ key, now, delta, blockUntil }: RateLimitAdjustment): Promise<void> {
    return this.#rowsOf(key).adjust(key, now, delta, blockUntil);
  }

  reset(key: RateLimitKey): Promise<void> {
    return this.#rowsOf(key).reset(key);
  }

  /** Deletes up to `batchSize` expired rows of each table; resolves how many. */
  async purgeExpired(now: number, batchSize = 1000): Promise<number> {
    let deleted = 0;
    for (const table of this.#tables) {
      const result = await withTimeout(
        () => deleteExpiredBatch(table, now, batchSize).execute(this.#db),
        { store: STORE, timeoutMs: 30_000 },
      );
      deleted += Number(result.numAffectedRows ?? 0);
    }
    return deleted;
  }

  #rowsOf(key: RateLimitKey): PolicyRows | PolicySetRows {
    const count = key.policies.length;
    return count === 1 ? this.#single : this.#sets[setTableOf(count)];
  }

  #maybePurge(now: number): void {
    if (this.#purgeIntervalMs === 0 || now < this.#nextPurgeAt) return;
    this.#nextPurgeAt = now + this.#purgeIntervalMs;
    // Housekeeping never fails or slows a check; a failed batch is retried next interval.
    this.purgeExpired(now).catch(() => {});
  }
}
