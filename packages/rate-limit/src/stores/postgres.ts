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
import type { CounterState, PolicyOutcome } from '../algorithms/state.js';
import { windowStart } from '../algorithms/window.js';
import type { ResolvedPolicy } from '../policy.js';
import {
  type RateLimitAdjustment,
  type RateLimitCheck,
  type RateLimitKey,
  type RateLimitStore,
  storageKey,
} from '../store.js';
import { RATE_LIMIT_TABLE, RATE_LIMIT_UPSERT_FUNCTION } from './postgres-migrations.js';
import {
  type CounterRow,
  columnsOf,
  freshRow,
  outcomeOf,
  type PreparedStatement,
  policyColumns,
  prepared,
  stateOf,
  statesOf,
} from './postgres-rows.js';
import { plainPolicyUpsert, type UpsertVariable } from './postgres-upsert.js';

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

/** A refused one-policy check whose row then admits runs again, at most this many times in all. */
const MAX_CHECK_ATTEMPTS = 3;

/** A one-policy check's plain upsert, prepared, and the order of its parameters. */
interface PreparedUpsert extends PreparedStatement {
  readonly variables: readonly UpsertVariable[];
}

/**
 * A `RateLimitStore` on Postgres (run `migrate(db, [rateLimitMigrations])` first). Every check is
 * ONE call of a function that upserts the client's row of each policy (`postgres-upsert.ts`):
 * each upsert locks its row and decides, and the call keeps the counts only when every policy
 * admits the request, so concurrent checks from any number of processes count exactly.
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
  /** The check's SQL (`postgres-upsert.ts`), schema-qualified once: parameters only change per call. */
  readonly #upsertSql: string;
  readonly #pool: PreparedStatementPool | undefined;
  /** On `#pool`: the function's call, and a one-policy check's upsert per algorithm. */
  readonly #upsertCall: PreparedStatement;
  readonly #policyUpserts: Readonly<
    Record<ResolvedPolicy['algorithm'], { plain: PreparedUpsert; blocking: PreparedUpsert }>
  >;
  readonly #peekSql: string;
  /** On `#pool`: one row's state, which a refused one-policy check (no row returned) answers from. */
  readonly #readRow: PreparedStatement;
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
    this.#pool = parsed.pool;
    this.#upsertSql = `select "${schema}".${RATE_LIMIT_UPSERT_FUNCTION}($1::float8, $2::float8, $3::text[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[]) as s`;
    this.#upsertCall = prepared(this.#upsertSql);
    const policyUpsert = (algorithm: ResolvedPolicy['algorithm']) => {
      const upsert = (blocks: boolean) => {
        const { text, variables } = plainPolicyUpsert(table, algorithm, blocks);
        return { ...prepared(text), variables };
      };
      return { plain: upsert(false), blocking: upsert(true) };
    };
    this.#policyUpserts = {
      'fixed-window': policyUpsert('fixed-window'),
      'sliding-window': policyUpsert('sliding-window'),
      gcra: policyUpsert('gcra'),
    };
    this.#peekSql = `select key, a, b, c, k from ${table} where key = any($1::text[])`;
    this.#readRow = prepared(`select a, b, c, k from ${table} where key = $1::text`);
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
    if (this.#pool !== undefined && policies.length === 1)
      return this.#hitOne(this.#pool, key, policies[0] as ResolvedPolicy, cost, now);
    const { sorted, positions, codes, limits, windows, bursts, blocks } = policyColumns(policies);
    const values = [
      now,
      cost,
      sorted.map((policy) => storageKey(key, policy)),
      codes,
      limits,
      windows,
      bursts,
      blocks,
      sorted.map((policy) => freshRow(policy, now, cost)),
    ];
    const previous = await this.#deadline.run(
      () =>
        this.#pool === undefined
          ? this.#db.executeQuery(CompiledQuery.raw(this.#upsertSql, values))
          : this.#pool.query({ ...this.#upsertCall, values }),
      (result) => (result.rows[0] as { s?: (number | null)[] } | undefined)?.s,
    );
    if (previous?.length !== policies.length * 4)
      throw new StoreUnavailableError(STORE, new Error('the check returned no state'));
    const states = new Array<CounterState | undefined>(policies.length);
    for (let j = 0; j < sorted.length; j++) {
      const a = previous[4 * j];
      // Null: the policy's upsert inserted its row, so the client had no state for it.
      if (a === null || a === undefined) continue;
      const [b, c, k] = [previous[4 * j + 1], previous[4 * j + 2], previous[4 * j + 3]];
      states[positions[j] as number] = stateOf(sorted[j] as ResolvedPolicy, {
        a,
        b: b ?? 0,
        c: c ?? 0,
        k: k ?? 0,
      });
    }
    return evaluateCheck(policies, states, now, cost).evaluations.map(outcomeOf);
  }

  /**
   * One policy on the pool: its upsert alone, a plain prepared statement (the function's call
   * would add PL/pgSQL's per-call work to a check that needs none of it).
   */
  async #hitOne(
    pool: PreparedStatementPool,
    key: RateLimitKey,
    policy: ResolvedPolicy,
    cost: number,
    now: number,
  ): Promise<readonly PolicyOutcome[]> {
    const upserts = this.#policyUpserts[policy.algorithm];
    const blocks = policy.blockMs > 0;
    const { name, text, variables } = blocks ? upserts.blocking : upserts.plain;
    const [a, b, c, k, e] = freshRow(policy, now, cost);
    const { limit, windowMs } = policy;
    const storage = storageKey(key, policy);
    const value: Record<UpsertVariable, number | string> = {
      p_now: now,
      p_cost: cost,
      v_key: storage,
      v_lim: limit,
      v_w: windowMs,
      v_burst: policy.algorithm === 'gcra' ? policy.burst : limit,
      v_block: policy.blockMs,
      // As the function computes them, and evaluate.ts: the same float operations.
      v_start: windowStart(now, windowMs),
      v_iv: windowMs / limit,
      f_a: a as number,
      f_b: b as number,
      f_c: c as number,
      f_k: k as number,
      f_e: e as number,
    };
    const values = variables.map((variable) => value[variable]);
    for (let attempt = 1; ; attempt++) {
      const row = await this.#deadline.run(
        () => pool.query({ name, text, values }),
        (result) => result.rows[0] as Record<'pa' | 'pb' | 'pc' | 'pk', number | null> | undefined,
      );
      if (row !== undefined) {
        const { pa, pb, pc, pk } = row;
        // Null: the upsert inserted the row, so the client had no state.
        const state =
          pa === null ? undefined : stateOf(policy, { a: pa, b: pb ?? 0, c: pc ?? 0, k: pk ?? 0 });
        return evaluateCheck(key.policies, [state], now, cost).evaluations.map(outcomeOf);
      }
      if (blocks) throw new StoreUnavailableError(STORE, new Error('no row returned'));
      // No row: the policy refused and nothing was written (`admitOnlyUpsert`); the answer is
      // computed from the state as it is now. Should that state admit (a reset, a reward or a
      // purge came in between), the check runs again rather than answer a refusal it cannot explain.
      const stored = await this.#deadline.run(
        () => pool.query({ ...this.#readRow, values: [storage] }),
        (result) => result.rows[0] as Omit<CounterRow, 'key'> | undefined,
      );
      const outcomes = evaluateCheck(
        key.policies,
        [stateOf(policy, stored)],
        now,
        cost,
      ).evaluations;
      if (!outcomes.some((outcome) => outcome.allowed)) return outcomes.map(outcomeOf);
      if (attempt === MAX_CHECK_ATTEMPTS)
        throw new StoreUnavailableError(
          STORE,
          new Error('the check kept racing a change of its row'),
        );
    }
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
          where key = any(${keys}::text[]) order by key collate "C" for update`.execute(trx);
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
