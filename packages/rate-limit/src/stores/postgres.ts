import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
  withTimeout,
} from '@rampart/core/postgres';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { PolicyOutcome } from '../algorithms/state.js';
import type { ResolvedPolicy } from '../policy.js';
import {
  type RateLimitAdjustment,
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

const optionsSchema = z.strictObject(postgresStoreOptionsShape({ queryTimeoutMs: 1000 }));

const STORE = 'postgres-rate-limit-store';

/** The SQL function's code of each algorithm: the typed policy packed at this boundary. */
const ALGORITHM_CODE = {
  'fixed-window': 1,
  'sliding-window': 2,
  gcra: 3,
} as const satisfies Record<ResolvedPolicy['algorithm'], number>;

/** The function's modes. */
const MODE = { hit: 1, peek: 2, adjust: 3, reset: 4 } as const;

/** A policy list as the function's array arguments, one element a policy. */
interface PolicyColumns {
  readonly codes: readonly number[];
  readonly limits: readonly number[];
  readonly windows: readonly number[];
  /** GCRA's burst; a window's limit. */
  readonly bursts: readonly number[];
  readonly blocks: readonly number[];
}

// Policy lists are fixed per limiter and override: their columns are built once, not per check.
const columnsByPolicies = new WeakMap<readonly ResolvedPolicy[], PolicyColumns>();

function policyColumns(policies: readonly ResolvedPolicy[]): PolicyColumns {
  let columns = columnsByPolicies.get(policies);
  if (columns === undefined) {
    columns = {
      codes: policies.map((policy) => ALGORITHM_CODE[policy.algorithm]),
      limits: policies.map((policy) => policy.limit),
      windows: policies.map((policy) => policy.windowMs),
      bursts: policies.map((policy) => (policy.algorithm === 'gcra' ? policy.burst : policy.limit)),
      blocks: policies.map((policy) => policy.blockMs),
    };
    columnsByPolicies.set(policies, columns);
  }
  return columns;
}

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
  readonly #function: ReturnType<typeof sql.id>;
  /** Every check's bound, and one warning if the schema was never migrated. */
  readonly #deadline: StoreDeadline;
  readonly #purgeIntervalMs: number;
  #nextPurgeAt = 0;

  constructor(options: PostgresRateLimitStoreOptions) {
    const parsed = parseOptions('PostgresRateLimitStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#schema = parsed.schema;
    const schema = parsed.schema;
    this.#function = sql.id(schema, RATE_LIMIT_FUNCTION);
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresRateLimitStore',
        schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
  }

  async hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    this.#maybePurge(check.now);
    return this.#outcomes(await this.#call(MODE.hit, check.key, check.now, check.cost, 0), check);
  }

  async peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    return this.#outcomes(await this.#call(MODE.peek, check.key, check.now, check.cost, 0), check);
  }

  async adjust({ key, now, delta, blockUntil }: RateLimitAdjustment): Promise<void> {
    await this.#call(MODE.adjust, key, now, delta, blockUntil);
  }

  async reset(key: RateLimitKey): Promise<void> {
    await this.#call(MODE.reset, key, 0, 0, 0);
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

  /** One call of the SQL function: `amount` is the cost, or an adjustment's delta. */
  #call(
    mode: number,
    key: RateLimitKey,
    now: number,
    amount: number,
    blockUntil: number,
  ): Promise<CheckRow[]> {
    const keys = key.policies.map((policy) => storageKey(key, policy));
    const { codes, limits, windows, bursts, blocks } = policyColumns(key.policies);
    const query = sql<CheckRow>`select * from ${this.#function}(${mode}::int, ${now}::float8, ${amount}::float8, ${blockUntil}::float8,
      ${keys}::text[], ${codes}::int[], ${limits}::float8[],
      ${windows}::float8[], ${bursts}::float8[], ${blocks}::float8[])`;
    return this.#deadline.run(
      () => query.execute(this.#db),
      (result) => result.rows,
    );
  }

  #outcomes(rows: CheckRow[], check: RateLimitCheck): PolicyOutcome[] {
    if (rows.length !== check.key.policies.length)
      throw new TypeError(`${STORE}: unexpected function reply`);
    return rows.map((row) => ({
      allowed: row.allowed === true,
      remaining: Number(row.remaining),
      resetMs: Number(row.reset_ms),
      retryAfterMs: Number(row.retry_ms),
    }));
  }

  #maybePurge(now: number): void {
    if (this.#purgeIntervalMs === 0 || now < this.#nextPurgeAt) return;
    this.#nextPurgeAt = now + this.#purgeIntervalMs;
    // Housekeeping never fails or slows a check; a failed batch is retried next interval.
    this.purgeExpired(now).catch(() => {});
  }
}
