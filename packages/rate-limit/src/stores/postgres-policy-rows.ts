import { StoreUnavailableError } from '@rampart/core';
import type { StoreDeadline } from '@rampart/core/postgres';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { admittedOutcome } from '../algorithms/admitted.js';
import {
  adjustState,
  evaluateCheck,
  evaluatePolicy,
  stateExpiresAt,
} from '../algorithms/evaluate.js';
import type { PolicyOutcome } from '../algorithms/state.js';
import type { ResolvedPolicy } from '../policy.js';
import { type RateLimitKey, storageKey } from '../store.js';
import type { PreparedStatementPool } from './postgres.js';
import { RATE_LIMIT_UPSERT_FUNCTION } from './postgres-migrations.js';
import {
  admittedState,
  type CounterRow,
  columnsOf,
  freshRow,
  MAX_CHECK_ATTEMPTS,
  outcomeOf,
  type PreparedStatement,
  policyColumns,
  policyParameters,
  prepared,
  refusalFrom,
  stateOf,
} from './postgres-rows.js';
import { plainPolicyUpsert, type UpsertVariable } from './postgres-upsert.js';

/** A one-policy check's plain upsert, prepared, and the order of its parameters. */
interface PreparedUpsert extends PreparedStatement {
  readonly variables: readonly UpsertVariable[];
}

/** What `PolicyRows` needs of its store. */
export interface PolicyRowsOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our table
  readonly db: Kysely<any>;
  readonly pool: PreparedStatementPool | undefined;
  /** The schema the migrations ran in (`postgresIdentifierSchema`: quoting it is exact). */
  readonly schema: string;
  /** The schema-qualified table (`"schema".rampart_rate_limit_counters`). */
  readonly table: string;
  readonly deadline: StoreDeadline;
  readonly store: string;
}

/**
 * The Postgres store's checks of ONE policy: a row per client, route and policy (`storageKey`),
 * checked by the policy's upsert (`postgres-upsert.ts`), prepared on the pool, or through 0004's
 * function without one.
 */
export class PolicyRows {
  readonly #options: PolicyRowsOptions;
  /** The function's call (`postgres-upsert.ts`), for a check through Kysely alone. */
  readonly #functionCall: string;
  /** On the pool: the upsert of each algorithm, without and with `blockMs`. */
  readonly #upserts: Readonly<
    Record<ResolvedPolicy['algorithm'], { plain: PreparedUpsert; blocking: PreparedUpsert }>
  >;
  /** On the pool: one row's state, which a refused check (no row returned) answers from. */
  readonly #readRow: PreparedStatement;

  constructor(options: PolicyRowsOptions) {
    this.#options = options;
    const { schema, table } = options;
    this.#functionCall = `select "${schema}".${RATE_LIMIT_UPSERT_FUNCTION}($1::float8, $2::float8, $3::text[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[]) as s`;
    const upserts = (algorithm: ResolvedPolicy['algorithm']) => {
      const upsert = (blocks: boolean) => {
        const { text, variables } = plainPolicyUpsert(table, algorithm, blocks);
        return { ...prepared(text), variables };
      };
      return { plain: upsert(false), blocking: upsert(true) };
    };
    this.#upserts = {
      'fixed-window': upserts('fixed-window'),
      'sliding-window': upserts('sliding-window'),
      gcra: upserts('gcra'),
    };
    this.#readRow = prepared(`select a, b, c, k from ${table} where key = $1::text`);
  }

  async hit(key: RateLimitKey, cost: number, now: number): Promise<readonly PolicyOutcome[]> {
    const { pool } = this.#options;
    if (pool !== undefined)
      return this.#hitOnPool(pool, key, key.policies[0] as ResolvedPolicy, cost, now);
    const { policies } = key;
    // One policy through Kysely alone: 0004's function (of one policy here), whose PL/pgSQL keeps
    // the upsert's plan for the session, where Kysely would parse and plan the upsert per check.
    const policy = policies[0] as ResolvedPolicy;
    const { codes, limits, windows, bursts, blocks } = policyColumns(policies);
    const values = [
      now,
      cost,
      [storageKey(key, policy)],
      codes,
      limits,
      windows,
      bursts,
      blocks,
      [freshRow(policy, now, cost)],
    ];
    const previous = await this.#options.deadline.run(
      () => this.#options.db.executeQuery(CompiledQuery.raw(this.#functionCall, values)),
      (result) => (result.rows[0] as { s?: (number | null)[] } | undefined)?.s,
    );
    if (previous?.length !== 4)
      throw new StoreUnavailableError(
        this.#options.store,
        new Error('the check returned no state'),
      );
    const [a, b, c, k] = previous;
    // Null: the upsert inserted the row, so the client had no state.
    const state = a == null ? undefined : stateOf(policy, { a, b: b ?? 0, c: c ?? 0, k: k ?? 0 });
    return evaluateCheck(policies, [state], now, cost).evaluations.map(outcomeOf);
  }

  /**
   * One policy on the pool: its upsert alone, a plain prepared statement (the function's call
   * would add PL/pgSQL's per-call work to a check that needs none of it). Without `blockMs` the
   * upsert writes only an admit and returns the state it stored (`admitOnlyUpsert`); with it,
   * the state before (`policyUpsert`).
   */
  async #hitOnPool(
    pool: PreparedStatementPool,
    key: RateLimitKey,
    policy: ResolvedPolicy,
    cost: number,
    now: number,
  ): Promise<readonly PolicyOutcome[]> {
    const upserts = this.#upserts[policy.algorithm];
    const blocks = policy.blockMs > 0;
    const [a, b, c, k, e, freshAdmits] = freshRow(policy, now, cost);
    const storage = storageKey(key, policy);
    // Refused even for a client without state: an admit-only upsert would write nothing, and the
    // answer comes from the row as it is.
    const refusedFresh = !blocks && freshAdmits === 0;
    const { name, text, variables } = blocks ? upserts.blocking : upserts.plain;
    const parameters = policyParameters(policy, now);
    const value: Record<UpsertVariable, number | string> = {
      p_now: now,
      p_cost: cost,
      v_key: storage,
      v_lim: parameters.lim,
      v_w: parameters.w,
      v_burst: parameters.burst,
      v_block: parameters.block,
      v_start: parameters.start,
      v_iv: parameters.iv,
      f_a: a as number,
      f_b: b as number,
      f_c: c as number,
      f_k: k as number,
      f_e: e as number,
    };
    const values = variables.map((variable) => value[variable]);
    for (let attempt = 1; ; attempt++) {
      const row = refusedFresh
        ? undefined
        : await this.#options.deadline.run(
            () => pool.query({ name, text, values }),
            (result) => result.rows[0] as Record<string, number | null> | undefined,
          );
      if (row !== undefined && blocks) {
        const { pa, pb, pc, pk } = row;
        // Null: the upsert inserted the row, so the client had no state.
        const state =
          pa == null ? undefined : stateOf(policy, { a: pa, b: pb ?? 0, c: pc ?? 0, k: pk ?? 0 });
        return evaluateCheck(key.policies, [state], now, cost).evaluations.map(outcomeOf);
      }
      if (row !== undefined) {
        return [admittedOutcome(policy, admittedState(policy, now, row), now, cost)];
      }
      if (blocks)
        throw new StoreUnavailableError(this.#options.store, new Error('no row returned'));
      // No row: the policy refused and nothing was written (`admitOnlyUpsert`). Should the row as
      // it is now admit (a reset, a reward or a purge came in between), the check runs again
      // rather than answer a refusal it cannot explain.
      const refusal = await this.#refusalOne(
        pool,
        key,
        storage,
        cost,
        now,
        attempt === MAX_CHECK_ATTEMPTS,
      );
      if (refusal !== undefined) return refusal;
    }
  }

  /**
   * The refusal a policy's row as it is now gives; `undefined` when it admits, unless `last`
   * (then the check kept racing a change of its row and fails).
   */
  async #refusalOne(
    pool: PreparedStatementPool,
    key: RateLimitKey,
    storage: string,
    cost: number,
    now: number,
    last: boolean,
  ): Promise<readonly PolicyOutcome[] | undefined> {
    const stored = await this.#options.deadline.run(
      () => pool.query({ ...this.#readRow, values: [storage] }),
      (result) => result.rows[0] as Omit<CounterRow, 'key'> | undefined,
    );
    const policy = key.policies[0] as ResolvedPolicy;
    const refusal = refusalFrom(key.policies, [stateOf(policy, stored)], now, cost);
    if (refusal !== undefined || !last) return refusal;
    throw new StoreUnavailableError(
      this.#options.store,
      new Error('the check kept racing a change of its row'),
    );
  }

  async peek(key: RateLimitKey, cost: number, now: number): Promise<readonly PolicyOutcome[]> {
    const policy = key.policies[0] as ResolvedPolicy;
    const { db, table, deadline } = this.#options;
    const row = await deadline.run(
      () =>
        db.executeQuery(
          CompiledQuery.raw(`select a, b, c, k from ${table} where key = $1`, [
            storageKey(key, policy),
          ]),
        ),
      (result) => result.rows[0] as Omit<CounterRow, 'key'> | undefined,
    );
    return [outcomeOf(evaluatePolicy(policy, stateOf(policy, row), now, cost))];
  }

  /** Rare (rewards, penalties): a transaction that locks the row and writes `adjustState`'s state. */
  async adjust(key: RateLimitKey, now: number, delta: number, blockUntil: number): Promise<void> {
    const policy = key.policies[0] as ResolvedPolicy;
    const rowKey = storageKey(key, policy);
    const table = sql.raw(this.#options.table);
    await this.#options.deadline.run(() =>
      this.#options.db.transaction().execute(async (trx) => {
        await sql`insert into ${table} (key, a, b, c, k, expires_at) values (${rowKey}, 0, 0, 0, 0, 0)
          on conflict (key) do nothing`.execute(trx);
        const { rows } = await sql<Omit<CounterRow, 'key'>>`select a, b, c, k from ${table}
          where key = ${rowKey} for update`.execute(trx);
        const next = adjustState(policy, stateOf(policy, rows[0]), now, delta, blockUntil);
        const { a, b, c, k } = columnsOf(next);
        await sql`update ${table} set a = ${a}, b = ${b}, c = ${c}, k = ${k},
          expires_at = ${stateExpiresAt(policy, next, now)} where key = ${rowKey}`.execute(trx);
      }),
    );
  }

  async reset(key: RateLimitKey): Promise<void> {
    const rowKey = storageKey(key, key.policies[0] as ResolvedPolicy);
    await this.#options.deadline.run(() =>
      sql`delete from ${sql.raw(this.#options.table)} where key = ${rowKey}`.execute(
        this.#options.db,
      ),
    );
  }
}
