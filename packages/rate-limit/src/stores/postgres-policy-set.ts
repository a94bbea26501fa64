import type { ResolvedPolicy } from '../policy.js';
import { ADMITTED_COLUMNS } from './postgres-rows.js';
import {
  admitColumns,
  counts,
  firstAdmitColumns,
  fits,
  type StateColumns,
} from './postgres-upsert.js';

/**
 * The check of SEVERAL policies since migration 0005: ONE plain `insert … on conflict do update`
 * of the client's one row in a table of `RATE_LIMIT_SET_TABLES`, four columns a policy: policy
 * `i` of the list (in the order of the names) in `a<i>` (window start or GCRA's arrival), `b<i>`
 * (count), `c<i>` (previous count) and `k<i>` (blocked until). Plain columns: the same numbers
 * in an array cost the server ~13% more a check in the bench. Its decisions mirror
 * `algorithms/evaluate.ts` in the same float operations (`fits`, shared with the one-policy
 * upserts), and the conformance suite holds it to them.
 *
 * Why one row (docs/rate-limit.md, "Postgres"): every policy moves or none does, and a row lock
 * is what makes that atomic. With a row per policy, 0004's function upserted each and put back
 * the counts of a refused check, ~3.5× a one-counter upsert of server CPU; one row costs one
 * upsert.
 *
 * Two forms, chosen by the policy list (the statement is built once per list shape):
 * - no policy has `blockMs` (`admitOnly`): the update runs only when every policy admits (its
 *   `where`) and returns what it stored that the store needs (`ADMITTED_COLUMNS`: `b0`, `a1`…),
 *   from which the store computes the outcomes (`admittedOutcome`). A refusal writes nothing and
 *   returns no row; the store reads the row to answer. The insert is a fresh client's admitted
 *   state (the store sends the statement only when a fresh client would be admitted).
 * - some policy has `blockMs`: each column is a `case` (admitted: the counted state; refused: a
 *   policy that refused and serves no block starts its block; else kept), and the row keeps the
 *   state before in `ps` (an array, four numbers a policy), which the statement returns (null
 *   when it inserted) for the store to decide with `evaluateCheck`, as `policyUpsert` does for
 *   one policy.
 *
 * Variables (numbered `$n` in order of first use, see `PolicySetStatement.variables`): `v_key`,
 * `p_now`, `p_cost`, the fresh row `f_s` (float8[]) and `f_e`, the admit's expiry of the window
 * policies `p_window_expiry`, and per policy `i` `v<i>_lim`, `v<i>_w`, `v<i>_burst`, `v<i>_block`,
 * `v<i>_start` (its window's start), `v<i>_iv` (GCRA's emission interval).
 */

/** Where a policy set's statement takes a value from: the check's, or policy `index`'s. */
export type SetVariable =
  | { readonly of: 'check'; readonly name: CheckVariable }
  | { readonly of: 'policy'; readonly index: number; readonly name: PolicyVariable };

export type CheckVariable = 'v_key' | 'p_now' | 'p_cost' | 'f_s' | 'f_e' | 'p_window_expiry';
export type PolicyVariable = 'lim' | 'w' | 'burst' | 'block' | 'start' | 'iv';

/** A policy set's statement text and, per `$n`, the value it takes. */
export interface PolicySetStatement {
  readonly text: string;
  readonly variables: readonly SetVariable[];
}

const CHECK_TYPES: Record<CheckVariable, string> = {
  v_key: 'text',
  p_now: 'float8',
  p_cost: 'float8',
  f_s: 'float8[]',
  f_e: 'float8',
  p_window_expiry: 'float8',
};

/** Policy `i`'s four columns. */
export function setColumns(i: number): StateColumns {
  return { a: `a${i}`, b: `b${i}`, c: `c${i}`, k: `k${i}` };
}

/** Policy `i`'s four columns of the stored row `t`. */
function storedColumns(i: number): StateColumns {
  const { a, b, c, k } = setColumns(i);
  return { a: `t.${a}`, b: `t.${b}`, c: `t.${c}`, k: `t.${k}` };
}

/** Every state column of the first `count` policies, in order: `a0, b0, c0, k0, a1, …`. */
export function setColumnList(count: number): string[] {
  return Array.from({ length: count }, (_, i) => Object.values(setColumns(i))).flat();
}

/** An expression of `postgres-upsert.ts`'s per-policy variables, made policy `i`'s own. */
function ofPolicy(i: number, expression: string): string {
  return expression.replace(/\bv_(lim|w|burst|block|start|iv)\b/g, `v${i}_$1`);
}

/** Policy `i`'s verdict on its stored state: no block running, and the request fits. */
function admits(policy: ResolvedPolicy, i: number): string {
  const s = storedColumns(i);
  return `${s.k} <= p_now and ${ofPolicy(i, fits(policy.algorithm, s))}`;
}

/** Policy `i`'s state after an admit (`a`, `b`, `c`; its block is 0), as evaluate.ts counts. */
function admittedState(policy: ResolvedPolicy, i: number): [string, string, string] {
  const state = admitColumns(policy.algorithm, storedColumns(i));
  return state.map((expression) => ofPolicy(i, expression)) as [string, string, string];
}

/** Policy `i`'s state after a refusal: the window moved on but nothing counted (evaluate.ts's `next`). */
function refusedState(policy: ResolvedPolicy, i: number): [string, string, string] {
  const s = storedColumns(i);
  const { cur, prev } = counts(s);
  const state: [string, string, string] = {
    'fixed-window': ['v_start', cur, '0'] as [string, string, string],
    'sliding-window': ['v_start', cur, prev] as [string, string, string],
    gcra: [`greatest(${s.a}, p_now)`, '0', '0'] as [string, string, string],
  }[policy.algorithm];
  return state.map((expression) => ofPolicy(i, expression)) as [string, string, string];
}

/** The row's expiry after an admit: the windows' (a parameter) and each GCRA arrival's. */
function admittedExpiry(policies: readonly ResolvedPolicy[]): string {
  const arrivals = policies.flatMap((policy, i) =>
    policy.algorithm === 'gcra' ? [`ceil(${admittedState(policy, i)[0]})`] : [],
  );
  return `greatest(p_window_expiry, p_now + 1${arrivals.map((arrival) => `, ${arrival}`).join('')})`;
}

/** A fresh client's state after an admit of policy `i`, its four columns (evaluate.ts's, from no state). */
function firstState(policy: ResolvedPolicy, i: number): string[] {
  return [...firstAdmitColumns(policy.algorithm), '0'].map((expression) => ofPolicy(i, expression));
}

function admitOnlyStatement(table: string, policies: readonly ResolvedPolicy[]): string {
  const verdict = policies.map((policy, i) => `(${admits(policy, i)})`).join(' and ');
  const first = policies.flatMap((policy, i) => firstState(policy, i));
  const firstArrivals = policies.flatMap((policy, i) =>
    policy.algorithm === 'gcra' ? [`, ceil(${firstState(policy, i)[0]})`] : [],
  );
  const firstExpiry = `greatest(p_window_expiry, p_now + 1${firstArrivals.join('')})`;
  const columns = setColumnList(policies.length);
  // An admit writes only the numbers its algorithm keeps (ADMITTED_COLUMNS, and a window's
  // start): GCRA's count columns stay 0 from the insert, and a block the admit outlived may stay,
  // being past (the store reads it as none). Fewer columns written, less server CPU a check.
  const assignments = policies.flatMap((policy, i) => {
    const [a, b, c] = admittedState(policy, i);
    const own = setColumns(i);
    const written: [string, string][] =
      policy.algorithm === 'gcra'
        ? [[own.a, a]]
        : [
            [own.a, a],
            [own.b, b],
          ];
    if (policy.algorithm === 'sliding-window') written.push([own.c, c]);
    return written.map(([column, value]) => `${column} = ${value}`);
  });
  const returned = policies.flatMap((policy, i) =>
    ADMITTED_COLUMNS[policy.algorithm].map((field) => setColumns(i)[field]),
  );
  return `insert into ${table} as t (key, ${columns.join(', ')}, expires_at)
    values (v_key, ${first.join(', ')}, ${firstExpiry})
    on conflict (key) do update set ${assignments.join(', ')},
      expires_at = ${admittedExpiry(policies)}
    where ${verdict}
    returning ${returned.join(', ')}`;
}

function blockingStatement(table: string, policies: readonly ResolvedPolicy[]): string {
  const all = `(${policies.map((policy, i) => `(${admits(policy, i)})`).join(' and ')})`;
  const numbers = policies.flatMap((policy, i) => {
    const s = storedColumns(i);
    const counted = admittedState(policy, i);
    if (policy.blockMs === 0)
      return [...counted, '0'].map(
        (value, field) => `case when ${all} then ${value} else ${Object.values(s)[field]} end`,
      );
    // Refused by this policy while it serves no block: its block starts (evaluateCheck's startBlock).
    const starts = `(${s.k} <= p_now and not (${ofPolicy(i, fits(policy.algorithm, s))}))`;
    const refused = refusedState(policy, i);
    const block = ofPolicy(i, 'p_now + v_block');
    return [...counted, '0'].map((value, field) => {
      const blocked = field === 3 ? block : refused[field];
      return `case when ${all} then ${value} when ${starts} then ${blocked} else ${Object.values(s)[field]} end`;
    });
  });
  const blocks = policies.flatMap((policy, i) =>
    policy.blockMs > 0 ? [ofPolicy(i, 'p_now + v_block')] : [],
  );
  // Never earlier than it was: a kept state keeps its expiry; a started block may end later.
  const expiry = `greatest(t.expires_at, case when ${all} then ${admittedExpiry(policies)} else greatest(${blocks.join(', ')}) end)`;
  const columns = setColumnList(policies.length);
  const fresh = columns.map((_, j) => `(f_s)[${j + 1}]`);
  const assignments = columns.map((column, j) => `${column} = ${numbers[j]}`);
  const before = columns.map((column) => `t.${column}`);
  return `insert into ${table} as t (key, ${columns.join(', ')}, expires_at)
    values (v_key, ${fresh.join(', ')}, f_e)
    on conflict (key) do update set ${assignments.join(', ')}, expires_at = ${expiry},
      ps = array[${before.join(', ')}]
    returning ps`;
}

/**
 * The statement checking `policies` (in their rows' order: `policyColumns(…).sorted`) on the
 * schema-qualified `table`, its variables numbered. Depends on the policies' algorithms and on
 * which have `blockMs`, not on their limits, which are parameters.
 */
export function policySetStatement(
  table: string,
  policies: readonly ResolvedPolicy[],
): PolicySetStatement {
  const blocking = policies.some((policy) => policy.blockMs > 0);
  const statement = blocking
    ? blockingStatement(table, policies)
    : admitOnlyStatement(table, policies);
  const variables: SetVariable[] = [];
  const numbers = new Map<string, number>();
  const text = statement.replace(
    /\b(?:v_key|p_now|p_cost|f_s|f_e|p_window_expiry|v(\d+)_(lim|w|burst|block|start|iv))\b/g,
    (name, index: string | undefined, field: PolicyVariable | undefined) => {
      let number = numbers.get(name);
      if (number === undefined) {
        variables.push(
          index === undefined
            ? { of: 'check', name: name as CheckVariable }
            : { of: 'policy', index: Number(index), name: field as PolicyVariable },
        );
        number = variables.length;
        numbers.set(name, number);
      }
      const type = index === undefined ? CHECK_TYPES[name as CheckVariable] : 'float8';
      return `$${number}::${type}`;
    },
  );
  return { text, variables };
}
