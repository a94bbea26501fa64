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
import type { CounterState, PolicyEvaluation, PolicyOutcome } from '../algorithms/state.js';
import type { ResolvedPolicy } from '../policy.js';
import type { RateLimitKey } from '../store.js';
import type { PreparedStatementPool } from './postgres.js';
import {
  type CheckVariable,
  policySetStatement,
  type SetVariable,
  setColumnList,
  setColumns,
} from './postgres-policy-set.js';
import {
  admittedState,
  columnsOf,
  MAX_CHECK_ATTEMPTS,
  outcomeOf,
  type PolicyColumns,
  type PolicyParameters,
  type PreparedStatement,
  policyColumns,
  policyParameters,
  prepared,
  refusalFrom,
  stateOf,
} from './postgres-rows.js';
import type { StateColumns } from './postgres-upsert.js';

/** A policy list's statement, prepared, with what each of its parameters takes. */
interface SetStatement extends PreparedStatement {
  readonly variables: readonly SetVariable[];
  readonly admitOnly: boolean;
}

/** What every check of one policy list reuses, made once per list. */
interface ListPlan {
  readonly statement: SetStatement;
  /** The names in row order and a `:`, which begin the list's row keys (`rowKeyOf`). */
  readonly keyPrefix: string;
  /** Policy `i`'s columns, which an admit's returned row names. */
  readonly returned: readonly StateColumns[];
}

/** What `PolicySetRows` needs of its store. */
export interface PolicySetRowsOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our table
  readonly db: Kysely<any>;
  readonly pool: PreparedStatementPool | undefined;
  /** The schema-qualified table (`"schema".rampart_rate_limit_policy_sets_4`). */
  readonly table: string;
  /** How many policies a row of `table` holds (lists of up to that many have their rows there). */
  readonly width: number;
  readonly deadline: StoreDeadline;
  readonly store: string;
}

/**
 * The Postgres store's checks of SEVERAL policies (since migration 0005) on one of its tables
 * (`RATE_LIMIT_SET_TABLES`): one row per client and policy list, four columns a policy in the
 * order of their names (`setColumns`), checked by one upsert (`postgres-policy-set.ts`). A key's
 * row is `names:scopeLength:scope:identity` (`rowKeyOf`).
 */
export class PolicySetRows {
  readonly #options: PolicySetRowsOptions;
  /** A statement per policy list shape (algorithms, blocks), built and named once. */
  readonly #statements = new Map<string, SetStatement>();
  /** Each policy list's plan (lists are fixed per limiter and override). */
  readonly #plans = new WeakMap<readonly ResolvedPolicy[], ListPlan>();
  /** Every policy's four columns of a row as one array (nulls past the list's length), as `statesOf` reads. */
  readonly #rowState: string;
  readonly #readRow: PreparedStatement;

  constructor(options: PolicySetRowsOptions) {
    this.#options = options;
    this.#rowState = `array[${setColumnList(options.width).join(', ')}]`;
    this.#readRow = prepared(
      `select ${this.#rowState} as s from ${options.table} where key = $1::text`,
    );
  }

  async hit(key: RateLimitKey, cost: number, now: number): Promise<readonly PolicyOutcome[]> {
    const columns = policyColumns(key.policies);
    const { sorted } = columns;
    const { statement, keyPrefix, returned } = this.#planOf(sorted);
    const rowKey = rowKeyOf(keyPrefix, key);
    const fresh = evaluateCheck(sorted, [], now, cost);
    // Refused even for a client without state: an admit-only upsert would write nothing, and the
    // answer comes from the row as it is.
    const refusedFresh = statement.admitOnly && !fresh.admitted;
    const checkValues: Record<CheckVariable, unknown> = {
      v_key: rowKey,
      p_now: now,
      p_cost: cost,
      p_window_expiry: windowExpiry(sorted, fresh.evaluations, now),
      // The fresh row and its expiry: only a blocking statement's insert takes them.
      f_s: statement.admitOnly ? undefined : freshColumns(fresh),
      f_e: statement.admitOnly
        ? undefined
        : Math.max(now + 1, ...fresh.evaluations.map((evaluation) => evaluation.expiresAt)),
    };
    const parameters = sorted.map((policy) => policyParameters(policy, now));
    const values = statement.variables.map((variable) =>
      variable.of === 'check'
        ? checkValues[variable.name]
        : (parameters[variable.index] as PolicyParameters)[variable.name],
    );
    for (let attempt = 1; ; attempt++) {
      const row = refusedFresh
        ? undefined
        : await this.#query<Record<string, number | (number | null)[] | null>>(statement, values);
      if (!statement.admitOnly) {
        if (row === undefined)
          throw new StoreUnavailableError(this.#options.store, new Error('no row returned'));
        // Null: the statement inserted the row, so the client had no state.
        const previous = row.ps as (number | null)[] | null;
        const states = previous == null ? [] : statesOf(sorted, previous);
        return inPolicyOrder(
          columns,
          evaluateCheck(sorted, states, now, cost).evaluations.map(outcomeOf),
        );
      }
      if (row !== undefined) {
        const outcomes = sorted.map((policy, i) => {
          const own = returned[i] as StateColumns;
          const stored = { a: row[own.a], b: row[own.b], c: row[own.c] };
          return admittedOutcome(
            policy,
            admittedState(policy, now, stored as Record<'a' | 'b' | 'c', number | null>),
            now,
            cost,
          );
        });
        return inPolicyOrder(columns, outcomes);
      }
      // No row: some policy refused and nothing was written. Should the row as it is now admit
      // (a reset or a reward came in between), the check runs again rather than answer a refusal
      // it cannot explain.
      const refusal = await this.#refusal(rowKey, columns, cost, now);
      if (refusal !== undefined) return refusal;
      if (attempt === MAX_CHECK_ATTEMPTS)
        throw new StoreUnavailableError(
          this.#options.store,
          new Error('the check kept racing a change of its row'),
        );
    }
  }

  async peek(key: RateLimitKey, cost: number, now: number): Promise<readonly PolicyOutcome[]> {
    const columns = policyColumns(key.policies);
    const states = await this.#states(this.#rowKey(key, columns.sorted), columns.sorted);
    return inPolicyOrder(
      columns,
      columns.sorted.map((policy, i) => outcomeOf(evaluatePolicy(policy, states[i], now, cost))),
    );
  }

  /** Rare (rewards, penalties): a transaction that locks the row and writes `adjustState`'s states. */
  async adjust(key: RateLimitKey, now: number, delta: number, blockUntil: number): Promise<void> {
    const { sorted } = policyColumns(key.policies);
    const rowKey = this.#rowKey(key, sorted);
    const table = sql.raw(this.#options.table);
    await this.#options.deadline.run(() =>
      this.#options.db.transaction().execute(async (trx) => {
        // A row without states (null columns) for a client never seen, so there is one to lock.
        await sql`insert into ${table} (key, expires_at) values (${rowKey}, 0)
          on conflict (key) do nothing`.execute(trx);
        const { rows } = await sql<{ s: (number | null)[] }>`select ${sql.raw(this.#rowState)} as s
          from ${table} where key = ${rowKey} for update`.execute(trx);
        const states = statesOf(sorted, rows[0]?.s ?? []);
        const next = sorted.map((policy, i) =>
          adjustState(policy, states[i], now, delta, blockUntil),
        );
        const expiresAt = Math.max(
          ...next.map((state, i) => stateExpiresAt(sorted[i] as ResolvedPolicy, state, now)),
        );
        const assignments = next.flatMap((state, i) => {
          const numbers = columnsOf(state);
          return Object.entries(setColumns(i)).map(
            ([field, column]) => sql`${sql.id(column)} = ${numbers[field as keyof typeof numbers]}`,
          );
        });
        await sql`update ${table} set ${sql.join(assignments)}, expires_at = ${expiresAt}
          where key = ${rowKey}`.execute(trx);
      }),
    );
  }

  async reset(key: RateLimitKey): Promise<void> {
    const rowKey = this.#rowKey(key, policyColumns(key.policies).sorted);
    await this.#options.deadline.run(() =>
      sql`delete from ${sql.raw(this.#options.table)} where key = ${rowKey}`.execute(
        this.#options.db,
      ),
    );
  }

  /** The refusal the row as it is now gives, or `undefined` when it admits (the check should run again). */
  async #refusal(
    rowKey: string,
    columns: PolicyColumns,
    cost: number,
    now: number,
  ): Promise<readonly PolicyOutcome[] | undefined> {
    const states = await this.#states(rowKey, columns.sorted);
    const refusal = refusalFrom(columns.sorted, states, now, cost);
    return refusal === undefined ? undefined : inPolicyOrder(columns, refusal);
  }

  async #states(
    rowKey: string,
    sorted: readonly ResolvedPolicy[],
  ): Promise<(CounterState | undefined)[]> {
    const row = await this.#query<{ s: (number | null)[] }>(this.#readRow, [rowKey]);
    return row === undefined ? [] : statesOf(sorted, row.s);
  }

  /** One statement, named and prepared on the pool when there is one, else through Kysely. */
  #query<Row>(statement: PreparedStatement, values: unknown[]): Promise<Row | undefined> {
    const { pool, db, deadline } = this.#options;
    return deadline.run(
      () =>
        pool === undefined
          ? db.executeQuery(CompiledQuery.raw(statement.text, values))
          : pool.query({ name: statement.name, text: statement.text, values }),
      (result) => result.rows[0] as Row | undefined,
    );
  }

  #rowKey(key: RateLimitKey, sorted: readonly ResolvedPolicy[]): string {
    return rowKeyOf(this.#planOf(sorted).keyPrefix, key);
  }

  /** The list's plan, made once per list (the limiter's, or an override's). */
  #planOf(sorted: readonly ResolvedPolicy[]): ListPlan {
    let plan = this.#plans.get(sorted);
    if (plan === undefined) {
      plan = {
        statement: this.#statementOf(sorted),
        keyPrefix: `${sorted.map((policy) => policy.name).join(',')}:`,
        returned: sorted.map((_, i) => setColumns(i)),
      };
      this.#plans.set(sorted, plan);
    }
    return plan;
  }

  /** The statement of the list's shape (algorithms, blocks), built and named once per shape. */
  #statementOf(sorted: readonly ResolvedPolicy[]): SetStatement {
    const shape = sorted
      .map((policy) => `${policy.algorithm}${policy.blockMs > 0 ? '+block' : ''}`)
      .join(',');
    let statement = this.#statements.get(shape);
    if (statement === undefined) {
      const { text, variables } = policySetStatement(this.#options.table, sorted);
      statement = {
        ...prepared(text),
        variables,
        admitOnly: sorted.every((policy) => policy.blockMs === 0),
      };
      this.#statements.set(shape, statement);
    }
    return statement;
  }
}

/**
 * A fresh client's row (`f_s`): each policy's four columns of its state after the check when the
 * check admits or the policy starts a block, else empty.
 */
function freshColumns(fresh: ReturnType<typeof evaluateCheck>): number[] {
  return fresh.evaluations.flatMap((evaluation) => {
    const { a, b, c, k } =
      fresh.admitted || evaluation.startedBlock ? columnsOf(evaluation.next) : EMPTY_COLUMNS;
    return [a, b, c, k];
  });
}

/** A state with nothing counted, which every algorithm reads as no state. */
const EMPTY_COLUMNS = Object.freeze({ a: 0, b: 0, c: 0, k: 0 });

/**
 * The row of a key's policy list: the names (in row order; names hold no ',' or ':') and a ':'
 * (`keyPrefix`), then the scope length-prefixed and the identity, as `storageKey` keys a policy's row.
 */
function rowKeyOf(keyPrefix: string, key: RateLimitKey): string {
  return `${keyPrefix}${key.scope.length}:${key.scope}:${key.identity}`;
}

/** Each policy's state from a row's `s` (four numbers a policy); `undefined` where missing. */
function statesOf(
  sorted: readonly ResolvedPolicy[],
  s: readonly (number | null)[],
): (CounterState | undefined)[] {
  return sorted.map((policy, i) => {
    const [a, b, c, k] = s.slice(4 * i, 4 * i + 4);
    if (a == null) return undefined;
    return stateOf(policy, { a, b: b ?? 0, c: c ?? 0, k: k ?? 0 });
  });
}

/** Outcomes in row order put back in the limiter's order of its policies. */
function inPolicyOrder(
  columns: PolicyColumns,
  outcomes: readonly PolicyOutcome[],
): PolicyOutcome[] {
  const ordered = new Array<PolicyOutcome>(outcomes.length);
  for (let j = 0; j < outcomes.length; j++)
    ordered[columns.positions[j] as number] = outcomes[j] as PolicyOutcome;
  return ordered;
}

/**
 * When the window policies' states of an admit expire (their windows' ends, which do not depend
 * on the count: the fresh client's), or 0 without any.
 */
function windowExpiry(
  sorted: readonly ResolvedPolicy[],
  fresh: readonly PolicyEvaluation[],
  now: number,
): number {
  let expiry = 0;
  sorted.forEach((policy, i) => {
    if (policy.algorithm === 'gcra') return;
    const next = (fresh[i] as PolicyEvaluation).next;
    expiry = Math.max(expiry, stateExpiresAt(policy, { ...next, blockedUntil: 0 }, now));
  });
  return expiry;
}
