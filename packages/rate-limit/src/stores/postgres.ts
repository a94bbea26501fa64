import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  deleteExpiredBatch,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
  withTimeout,
} from '@rampart/core/postgres';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { PolicyOutcome } from '../algorithms/state.js';
import type { ResolvedPolicy } from '../policy.js';
import type {
  RateLimitAdjustment,
  RateLimitCheck,
  RateLimitKey,
  RateLimitStore,
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
  readonly names: readonly string[];
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
      names: policies.map((policy) => policy.name),
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

/** The function's reply: four numbers a policy (allowed 1/0, remaining, reset ms, retry ms). */
interface CheckRow {
  reply: number[][] | null;
}

/**
 * A client's row on a route: the scope is length-prefixed, so no two (scope, identity) pairs
 * collide (the Redis store's key, without its prefix).
 */
function clientKey(key: RateLimitKey): string {
  return `${key.scope.length}:${key.scope}:${key.identity}`;
}

/**
 * A `RateLimitStore` on Postgres (run `migrate(db, [rateLimitMigrations])` first). Every check is
 * ONE statement, `select rampart_rate_limit_check(…)`, covering every policy of the route: the
 * function updates the client's one row (a state per policy) with one `update` that evaluates
 * every policy, so concurrent checks from any number of processes count exactly
 * (`postgres-check.ts` says how).
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
  /** The check's SQL, compiled once: parameters only change per call. */
  readonly #checkSql: string;
  /** Every check's bound, and one warning if the schema was never migrated. */
  readonly #deadline: StoreDeadline;
  readonly #purgeIntervalMs: number;
  #nextPurgeAt = 0;

  constructor(options: PostgresRateLimitStoreOptions) {
    const parsed = parseOptions('PostgresRateLimitStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#schema = parsed.schema;
    const schema = parsed.schema;
    this.#checkSql = compileCheck(parsed.db, schema);
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
      () => deleteExpiredBatch(table, now, batchSize).execute(this.#db),
      { store: STORE, timeoutMs: 30_000 },
    );
    return Number(result.numAffectedRows ?? 0);
  }

  /** One call of the SQL function: `amount` is the cost, or an adjustment's delta; resolves its reply. */
  #call(
    mode: number,
    key: RateLimitKey,
    now: number,
    amount: number,
    blockUntil: number,
  ): Promise<CheckRow['reply']> {
    const { names, codes, limits, windows, bursts, blocks } = policyColumns(key.policies);
    const query = CompiledQuery.raw(this.#checkSql, [
      mode,
      now,
      amount,
      blockUntil,
      clientKey(key),
      names,
      codes,
      limits,
      windows,
      bursts,
      blocks,
    ]);
    return this.#deadline.run(
      () => this.#db.executeQuery<CheckRow>(query),
      (result) => result.rows[0]?.reply ?? null,
    );
  }

  #outcomes(reply: CheckRow['reply'], check: RateLimitCheck): PolicyOutcome[] {
    if (reply === null || reply.length !== check.key.policies.length)
      throw new TypeError(`${STORE}: unexpected function reply`);
    return reply.map((outcome) => ({
      allowed: outcome[0] === 1,
      remaining: Number(outcome[1]),
      resetMs: Number(outcome[2]),
      retryAfterMs: Number(outcome[3]),
    }));
  }

  #maybePurge(now: number): void {
    if (this.#purgeIntervalMs === 0 || now < this.#nextPurgeAt) return;
    this.#nextPurgeAt = now + this.#purgeIntervalMs;
    // Housekeeping never fails or slows a check; a failed batch is retried next interval.
    this.purgeExpired(now).catch(() => {});
  }
}

/** The check's SQL, built by Kysely once so it quotes the schema and function. */
// biome-ignore lint/suspicious/noExplicitAny: see PostgresRateLimitStoreOptions.db
function compileCheck(db: Kysely<any>, schema: string): string {
  const fn = sql.id(schema, RATE_LIMIT_FUNCTION);
  const types = [
    'int',
    'float8',
    'float8',
    'float8',
    'text',
    'text[]',
    'int[]',
    'float8[]',
    'float8[]',
    'float8[]',
    'float8[]',
  ];
  const args = sql.join(types.map((type) => sql`${0}::${sql.raw(type)}`));
  return sql`select ${fn}(${args}) as reply`.compile(db).sql;
}
