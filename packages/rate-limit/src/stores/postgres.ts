import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  kyselySchema,
  postgresIdentifierSchema,
  type StoreDeadline,
  warnIfNotMigrated,
  withTimeout,
} from '@rampart/core/postgres';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { createOutcome, type PolicyOutcome } from '../algorithms/evaluate.js';
import {
  type RateLimitCheck,
  type RateLimitKey,
  type RateLimitStore,
  storageKey,
} from '../store.js';
import { RATE_LIMIT_FUNCTION, RATE_LIMIT_TABLE } from './postgres-migrations.js';

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
}

const optionsSchema = z.strictObject({
  db: kyselySchema,
  schema: postgresIdentifierSchema.default('public'),
  queryTimeoutMs: z.number().int().min(1).max(60_000).default(1000),
  purgeIntervalMs: z.number().int().min(0).max(86_400_000).default(60_000),
});

const STORE = 'postgres-rate-limit-store';

interface CheckRow {
  allowed: boolean;
  remaining: number;
  reset_ms: number;
  retry_ms: number;
}

/**
 * A `RateLimitStore` on Postgres (run `migrate(db, [rateLimitMigrations])` first). Every check is
 * ONE statement, `select * from rampart_rate_limit_check(…)`, covering every policy of the route:
 * the function locks the client's rows in key order, evaluates and writes them in one implicit
 * transaction, so concurrent checks from any number of processes count exactly.
 *
 * @example
 * await migrate(db, [rateLimitMigrations]);
 * const store = new PostgresRateLimitStore({ db });
 */
export class PostgresRateLimitStore implements RateLimitStore {
  readonly name = STORE;
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresRateLimitStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #schema: string;
  /** Every check's bound, and one warning if the schema was never migrated. */
  readonly #deadline: StoreDeadline;
  readonly #purgeIntervalMs: number;
  #nextPurgeAt = 0;

  constructor(options: PostgresRateLimitStoreOptions) {
    const parsed = parseOptions('PostgresRateLimitStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#schema = parsed.schema;
    const schema = parsed.schema;
    this.#deadline = createStoreDeadline({
      store: STORE,
      timeoutMs: parsed.queryTimeoutMs,
      onFailure: (error) => warnIfNotMigrated(error, 'PostgresRateLimitStore', schema),
    });
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
  }

  async hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    this.#maybePurge(check.now);
    return this.#outcomes(await this.#call(1, check, check.cost, 0), check);
  }

  async peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return this.#outcomes(await this.#call(2, check, check.cost, 0), check);
  }

  async adjust(check: RateLimitCheck, delta: number, blockUntil: number): Promise<void> {
    await this.#call(3, check, delta, blockUntil);
  }

  async reset(key: RateLimitKey): Promise<void> {
    await this.#call(4, { key, cost: 1, now: 0 }, 0, 0);
  }

  /** Deletes up to `batchSize` expired counters; resolves how many. */
  async purgeExpired(now: number, batchSize = 1000): Promise<number> {
    const table = sql.id(this.#schema, RATE_LIMIT_TABLE);
    const result = await withTimeout(
      () =>
        sql`delete from ${table} where ctid = any(array(select ctid from ${table} where expires_at <= ${now} limit ${batchSize} for update skip locked)) and expires_at <= ${now}`.execute(
          this.#db,
        ),
      { store: STORE, timeoutMs: 30_000 },
    );
    return Number(result.numAffectedRows ?? 0);
  }

  #call(
    mode: number,
    check: RateLimitCheck,
    amount: number,
    blockUntil: number,
  ): Promise<CheckRow[]> {
    const policies = check.key.policies;
    const keys = policies.map((policy) => storageKey(check.key, policy));
    const fn = sql.id(this.#schema, RATE_LIMIT_FUNCTION);
    const query = sql<CheckRow>`select * from ${fn}(${mode}::int, ${check.now}::float8, ${amount}::float8, ${blockUntil}::float8,
      ${keys}::text[], ${policies.map((p) => p.code)}::int[], ${policies.map((p) => p.limit)}::float8[],
      ${policies.map((p) => p.windowMs)}::float8[], ${policies.map((p) => p.burst)}::float8[], ${policies.map((p) => p.blockMs)}::float8[])`;
    return this.#deadline.run(
      () => query.execute(this.#db),
      (result) => result.rows,
    );
  }

  #outcomes(rows: CheckRow[], check: RateLimitCheck): PolicyOutcome[] {
    if (rows.length !== check.key.policies.length)
      throw new TypeError(`${STORE}: unexpected function reply`);
    return rows.map((row) => {
      const outcome = createOutcome();
      outcome.allowed = row.allowed === true;
      outcome.remaining = Number(row.remaining);
      outcome.resetMs = Number(row.reset_ms);
      outcome.retryAfterMs = Number(row.retry_ms);
      return outcome;
    });
  }

  #maybePurge(now: number): void {
    if (this.#purgeIntervalMs === 0 || now < this.#nextPurgeAt) return;
    this.#nextPurgeAt = now + this.#purgeIntervalMs;
    // Housekeeping never fails or slows a check; a failed batch is retried next interval.
    this.purgeExpired(now).catch(() => {});
  }
}
