import { parseOptions, StoreUnavailableError } from '@rampart/core';
import {
  createStoreDeadline,
  deleteExpiredBatch,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
  withTimeout,
} from '@rampart/core/postgres';
import { CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import {
  adjustState,
  evaluateCheck,
  evaluatePolicy,
  stateExpiresAt,
} from '../algorithms/evaluate.js';
import type { CounterState, PolicyEvaluation, PolicyOutcome } from '../algorithms/state.js';

import type { ResolvedPolicy } from '../policy.js';
import {
  type RateLimitAdjustment,
  type RateLimitCheck,
  type RateLimitKey,
  type RateLimitStore,
  storageKey,
} from '../store.js';
import {
  RATE_LIMIT_HIT_FUNCTION,
  RATE_LIMIT_HIT_ONE_FUNCTION,
  RATE_LIMIT_TABLE,
} from './postgres-migrations.js';

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

/** The statement's code of each algorithm: the typed policy packed at this boundary. */
const ALGORITHM_CODE = {
  'fixed-window': 1,
  'sliding-window': 2,
  gcra: 3,
} as const satisfies Record<ResolvedPolicy['algorithm'], number>;

/** A policy list as the statement's array parameters, one element a policy. */
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

/** A policy's row as stored: `a` window start or GCRA's arrival, `b` count, `c` previous count, `k` block. */
interface CounterRow {
  key: string;
  a: number;
  b: number;
  c: number;
  k: number;
}

/** The state a one-policy check read: null columns when it inserted the row. */
interface NullableRow {
  a: number | null;
  b: number | null;
  c: number | null;
  k: number | null;
}

/** A stored row as the state of `policy`; `undefined` when the client has none. */
function stateOf(
  policy: ResolvedPolicy,
  row: Omit<CounterRow, 'key'> | undefined,
): CounterState | undefined {
  if (row === undefined) return undefined;
  const { a, b, c, k } = row;
  switch (policy.algorithm) {
    case 'fixed-window':
      return { algorithm: 'fixed-window', windowStart: a, count: b, blockedUntil: k };
    case 'sliding-window':
      return {
        algorithm: 'sliding-window',
        windowStart: a,
        count: b,
        previousCount: c,
        blockedUntil: k,
      };
    case 'gcra':
      return { algorithm: 'gcra', theoreticalArrival: a, blockedUntil: k };
  }
}

/** A state as the columns of its row. */
function columnsOf(state: CounterState): Omit<CounterRow, 'key'> {
  switch (state.algorithm) {
    case 'fixed-window':
      return { a: state.windowStart, b: state.count, c: 0, k: state.blockedUntil };
    case 'sliding-window':
      return {
        a: state.windowStart,
        b: state.count,
        c: state.previousCount,
        k: state.blockedUntil,
      };
    case 'gcra':
      return { a: state.theoreticalArrival, b: 0, c: 0, k: state.blockedUntil };
  }
}

/** Each policy's stored state, in policy order, from rows in any order. */
function statesOf(
  policies: readonly ResolvedPolicy[],
  keys: readonly string[],
  rows: readonly CounterRow[],
): (CounterState | undefined)[] {
  return policies.map((policy, i) =>
    stateOf(
      policy,
      rows.find((row) => row.key === keys[i]),
    ),
  );
}

/** An outcome alone, without the evaluation's state. */
function outcomeOf({ allowed, remaining, resetMs, retryAfterMs }: PolicyOutcome): PolicyOutcome {
  return { allowed, remaining, resetMs, retryAfterMs };
}

/** How many times a check runs its statement while another check creates the client's rows. */
const HIT_ATTEMPTS = 3;

/**
 * A `RateLimitStore` on Postgres (run `migrate(db, [rateLimitMigrations])` first). Every check is
 * ONE plain SQL statement over the client's row of each policy (`postgres-statement.ts`): it
 * locks the rows, decides, and updates them only when every policy admits the request, so
 * concurrent checks from any number of processes count exactly. The first check of a client
 * runs it twice: once to create the rows, once to count.
 *
 * @example
 * await migrate(db, [rateLimitMigrations]);
 * const store = new PostgresRateLimitStore({ db });
 */
export class PostgresRateLimitStore implements RateLimitStore {
  readonly name = STORE;
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresRateLimitStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #table: RawBuilder<unknown>;
  /** The check's SQL, schema-qualified once: parameters only change per call. */
  readonly #hitSql: string;
  readonly #peekSql: string;
  /** Empty rows for the policies a client has none of yet; they outlive the purge's next minute. */
  readonly #createSql: string;
  /** A check of one policy: one upsert (`singleHitStatement`). */
  readonly #singleHitSql: string;
  /** Every check's bound, and one warning if the schema was never migrated. */
  readonly #deadline: StoreDeadline;
  readonly #purgeIntervalMs: number;
  #nextPurgeAt = 0;

  constructor(options: PostgresRateLimitStoreOptions) {
    const parsed = parseOptions('PostgresRateLimitStore', optionsSchema, options);
    this.#db = parsed.db;
    const schema = parsed.schema;
    this.#table = sql.id(schema, RATE_LIMIT_TABLE);
    // `schema` passed `postgresIdentifierSchema` (lower-case letters, digits, _): quoting is exact.
    const table = `"${schema}".${RATE_LIMIT_TABLE}`;
    this.#hitSql = `select r_key as key, r_a as a, r_b as b, r_c as c, r_k as k from "${schema}".${RATE_LIMIT_HIT_FUNCTION}($1::float8, $2::float8, $3::text[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])`;
    this.#singleHitSql = `select r_a as a, r_b as b, r_c as c, r_k as k from "${schema}".${RATE_LIMIT_HIT_ONE_FUNCTION}($1::int, $2::text, $3::float8, $4::float8, $5::float8, $6::float8, $7::float8, $8::float8, $9::float8, $10::float8, $11::float8, $12::float8, $13::float8)`;
    this.#createSql = `insert into ${table} (key, a, b, c, k, expires_at)
      select m.key, 0, 0, 0, 0, $2::float8 + 60000 from unnest($1::text[]) as m(key) order by m.key
      on conflict (key) do nothing`;
    this.#peekSql = `select key, a, b, c, k from ${table} where key = any($1::text[])`;
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

  async hit({ key, cost, now }: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    this.#maybePurge(now);
    const { policies } = key;
    if (policies.length === 1) return this.#hitOne(key, policies[0] as ResolvedPolicy, cost, now);
    const keys = policies.map((policy) => storageKey(key, policy));
    const { codes, limits, windows, bursts, blocks } = policyColumns(policies);
    const query = CompiledQuery.raw(this.#hitSql, [
      now,
      cost,
      keys,
      codes,
      limits,
      windows,
      bursts,
      blocks,
    ]);
    for (let attempt = 0; attempt < HIT_ATTEMPTS; attempt++) {
      const rows = await this.#rows(query);
      // Fewer rows than policies: the statement counted nothing; create the missing rows.
      if (rows.length < keys.length) {
        await this.#rows(CompiledQuery.raw(this.#createSql, [keys, now]));
        continue;
      }
      const { evaluations } = evaluateCheck(policies, statesOf(policies, keys, rows), now, cost);
      return evaluations.map(outcomeOf);
    }
    // Rows created and purged again between attempts, every time: not seen outside a test.
    throw new StoreUnavailableError(STORE, new Error('counter rows kept vanishing'));
  }

  /** One policy: one upsert, which inserts a fresh client's row as `evaluateCheck` computed it. */
  async #hitOne(
    key: RateLimitKey,
    policy: ResolvedPolicy,
    cost: number,
    now: number,
  ): Promise<readonly PolicyOutcome[]> {
    const policies = key.policies;
    const fresh = evaluateCheck(policies, [undefined], now, cost).evaluations;
    const next = (fresh[0] as PolicyEvaluation).next;
    const { a, b, c, k } = columnsOf(next);
    const query = CompiledQuery.raw(this.#singleHitSql, [
      ALGORITHM_CODE[policy.algorithm],
      storageKey(key, policy),
      now,
      cost,
      a,
      b,
      c,
      k,
      stateExpiresAt(policy, next, now),
      policy.limit,
      policy.windowMs,
      policy.blockMs,
      policy.algorithm === 'gcra' ? policy.burst : policy.limit,
    ]);
    const [row] = await this.#rows<NullableRow>(query);
    if (row === undefined) throw new TypeError(`${STORE}: the check returned no row`);
    // Null: the statement inserted the row, so the client had no state and `fresh` is the outcome.
    if (row.a === null) return fresh.map(outcomeOf);
    const state = stateOf(policy, row as Omit<CounterRow, 'key'>);
    return evaluateCheck(policies, [state], now, cost).evaluations.map(outcomeOf);
  }

  async peek({ key, cost, now }: RateLimitCheck): Promise<readonly PolicyOutcome[]> {
    const { policies } = key;
    const keys = policies.map((policy) => storageKey(key, policy));
    const rows = await this.#rows(CompiledQuery.raw(this.#peekSql, [keys]));
    const states = statesOf(policies, keys, rows);
    return policies.map((policy, i) => outcomeOf(evaluatePolicy(policy, states[i], now, cost)));
  }

  /** Rare (rewards, penalties): a transaction that locks the rows and writes `adjustState`'s states. */
  async adjust({ key, now, delta, blockUntil }: RateLimitAdjustment): Promise<void> {
    const { policies } = key;
    const keys = policies.map((policy) => storageKey(key, policy));
    const table = this.#table;
    await this.#deadline.run(() =>
      this.#db.transaction().execute(async (trx) => {
        await sql`insert into ${table} (key, a, b, c, k, expires_at)
          select m.key, 0, 0, 0, 0, 0 from unnest(${keys}::text[]) as m(key) order by m.key
          on conflict (key) do nothing`.execute(trx);
        const { rows } = await sql<CounterRow>`select key, a, b, c, k from ${table}
          where key = any(${keys}::text[]) order by key for update`.execute(trx);
        const states = statesOf(policies, keys, rows);
        for (let i = 0; i < policies.length; i++) {
          const policy = policies[i] as ResolvedPolicy;
          const next = adjustState(policy, states[i], now, delta, blockUntil);
          const { a, b, c, k } = columnsOf(next);
          await sql`update ${table} set a = ${a}, b = ${b}, c = ${c}, k = ${k},
            expires_at = ${stateExpiresAt(policy, next, now)} where key = ${keys[i]}`.execute(trx);
        }
      }),
    );
  }

  async reset(key: RateLimitKey): Promise<void> {
    const keys = key.policies.map((policy) => storageKey(key, policy));
    await this.#deadline.run(() =>
      sql`delete from ${this.#table} where key = any(${keys}::text[])`.execute(this.#db),
    );
  }

  /** Deletes up to `batchSize` expired counters; resolves how many. */
  async purgeExpired(now: number, batchSize = 1000): Promise<number> {
    const result = await withTimeout(
      () => deleteExpiredBatch(this.#table, now, batchSize).execute(this.#db),
      { store: STORE, timeoutMs: 30_000 },
    );
    return Number(result.numAffectedRows ?? 0);
  }

  #rows<Row = CounterRow>(query: CompiledQuery): Promise<Row[]> {
    return this.#deadline.run(
      () => this.#db.executeQuery<Row>(query),
      (result) => result.rows,
    );
  }

  #maybePurge(now: number): void {
    if (this.#purgeIntervalMs === 0 || now < this.#nextPurgeAt) return;
    this.#nextPurgeAt = now + this.#purgeIntervalMs;
    // Housekeeping never fails or slows a check; a failed batch is retried next interval.
    this.purgeExpired(now).catch(() => {});
  }
}
