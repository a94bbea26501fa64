import type { ResolvedPolicy } from '../policy.js';
import { ADMITTED_COLUMNS } from './postgres-rows.js';

/**
 * The check `PostgresRateLimitStore.hit` runs since migration 0004, for one policy or several:
 * the PL/pgSQL function `RATE_LIMIT_UPSERT_FUNCTION` runs ONE `insert … on conflict do update`
 * per policy (as rate-limiter-flexible's `RateLimiterPostgres` runs one per check), in key order,
 * and returns the state each row held before. Its decisions mirror `algorithms/evaluate.ts`: the
 * same float operations in the same order; the store computes the outcomes from the returned
 * states with `evaluateCheck`, so Postgres and JavaScript agree on every admit.
 *
 * Why this shape (docs/rate-limit.md, "Postgres"): 0003's statement for several policies (CTEs
 * over arrays, a window aggregate, `for update`) cost the server ~5× an upsert per check; an
 * upsert is the cheapest statement that reads, decides and writes a counter under its row lock.
 *
 * Every policy moves or none does: each upsert writes what its policy decides alone (an admit
 * counts; a refusal keeps the state, or starts the policy's block); when one policy refused, the
 * function then puts back the policies that counted (their rows are still locked by the call,
 * so no other check saw the count): the row's previous state, kept in `pa`..`pk` for the reply,
 * or no row when the upsert inserted it. A refusal that starts a block stays, as
 * `evaluateCheck`'s `startBlock` says.
 *
 * Concurrency: an upsert locks its row (the conflict) or inserts it (a concurrent insert waits
 * for this one, then updates the committed row), and under READ COMMITTED the update computes
 * from the latest committed version; checks of one client serialise on their rows, which every
 * call takes in key order (code points, as the store passes them), so two never deadlock.
 */

/** Column names of a row's state: the stored one (`t.a`..), or the previous one an upsert kept. */
export interface StateColumns {
  readonly a: string;
  readonly b: string;
  readonly c: string;
  readonly k: string;
}

const STORED: StateColumns = { a: 't.a', b: 't.b', c: 't.c', k: 't.k' };
const PREVIOUS: StateColumns = { a: 'pa', b: 'pb', c: 'pc', k: 'pk' };

// The function's variables the statements read (see `upsertFunctionBody`): `p_now`, `p_cost`,
// and per policy `v_key`, `v_lim`, `v_w`, `v_burst`, `v_block`, `v_start` (the window's start),
// `v_iv` (GCRA's emission interval), the fresh client's row `f_a`..`f_e` and verdict `f_ok`.

/** The current window's count and the previous window's, read from `s`. */
export function counts(s: StateColumns): { cur: string; prev: string } {
  return {
    cur: `(case when ${s.a} = v_start then ${s.b} else 0 end)`,
    prev: `(case when ${s.a} = v_start then ${s.c} when ${s.a} = v_start - v_w then ${s.b} else 0 end)`,
  };
}

/** The policy's own verdict on state `s`, before a block (evaluate.ts's, the same float operations). */
export function fits(algorithm: ResolvedPolicy['algorithm'], s: StateColumns): string {
  const { cur, prev } = counts(s);
  switch (algorithm) {
    case 'fixed-window':
      return `${cur} + p_cost <= v_lim`;
    case 'sliding-window':
      return `(${prev} * (v_w - (p_now - v_start))) / v_w + ${cur} + p_cost <= v_lim`;
    case 'gcra':
      return `greatest(${s.a}, p_now) + v_iv * p_cost - v_iv * v_burst <= p_now + 0.001`;
  }
}

/**
 * One policy's upsert: inserts the fresh client's row, or updates the stored one with `case`
 * arithmetic specialised to the algorithm, keeping the state it had in `pa`..`pk`. Returns the
 * previous state (nulls when it inserted) and, with `verdict`, the policy's own verdict.
 * `blocks`: the policy has `blockMs` (the caller picks by it), so a refusal writes too (its
 * block); without it (most policies) only an admit writes, and what it writes needs no second
 * look at the verdict.
 */
function policyUpsert(
  table: string,
  algorithm: ResolvedPolicy['algorithm'],
  blocks: boolean,
  verdict: boolean,
): string {
  const ok = fits(algorithm, STORED);
  const { cur, prev } = counts(STORED);
  // What an admit counts, and GCRA's arrival after it: when only an admit writes, `ok` holds.
  const counted = blocks ? `case when ${ok} then p_cost else 0 end` : 'p_cost';
  const tat = 'greatest(t.a, p_now)';
  const arrival = blocks
    ? `case when ${ok} then ${tat} + v_iv * p_cost else ${tat} end`
    : `${tat} + v_iv * p_cost`;
  const [na, nb, nc, span] = (
    {
      'fixed-window': ['v_start', `${cur} + ${counted}`, '0', 'v_w'],
      'sliding-window': ['v_start', `${cur} + ${counted}`, prev, '2 * v_w'],
      gcra: [arrival, '0', '0', '0'],
    } satisfies Record<ResolvedPolicy['algorithm'], [string, string, string, string]>
  )[algorithm];
  const nk = blocks ? `case when ${ok} then 0 else p_now + v_block end` : '0';
  // Written: an admit, or a refusal that starts the policy's block; a client serving a block, or
  // refused without blockMs, keeps its state.
  const writes = blocks ? '(t.k <= p_now)' : `(t.k <= p_now and ${ok})`;
  const kept = (column: string, next: string) =>
    `${column} = case when ${writes} then ${next} else t.${column} end`;
  const expiresAt = `greatest(p_now + 1, ceil(greatest(${na} + ${span}, ${nk})))`;
  const own = `case when pa is null then f_ok else pk <= p_now and ${fits(algorithm, PREVIOUS)} end`;
  return `insert into ${table} as t (key, a, b, c, k, expires_at)
      values (v_key, f_a, f_b, f_c, f_k, f_e)
      on conflict (key) do update set ${kept('a', na)}, ${kept('b', nb)}, ${kept('c', nc)},
        ${kept('k', nk)}, ${kept('expires_at', expiresAt)},
        pa = t.a, pb = t.b, pc = t.c, pk = t.k
      returning pa, pb, pc, pk${verdict ? `, ${own}` : ''}`;
}

/**
 * What an admit stores of state `s`, `[a, b, c]` (its block is 0): evaluate.ts's counting in the
 * same float operations. Shared with the policy-list statement (`postgres-policy-set.ts`).
 */
export function admitColumns(
  algorithm: ResolvedPolicy['algorithm'],
  s: StateColumns,
): [string, string, string] {
  const { cur, prev } = counts(s);
  switch (algorithm) {
    case 'fixed-window':
      return ['v_start', `${cur} + p_cost`, '0'];
    case 'sliding-window':
      return ['v_start', `${cur} + p_cost`, prev];
    case 'gcra':
      return [`greatest(${s.a}, p_now) + v_iv * p_cost`, '0', '0'];
  }
}

/** What an admit of a client without state stores, `[a, b, c]` (evaluate.ts's, from no state). */
export function firstAdmitColumns(
  algorithm: ResolvedPolicy['algorithm'],
): [string, string, string] {
  return algorithm === 'gcra' ? ['p_now + v_iv * p_cost', '0', '0'] : ['v_start', 'p_cost', '0'];
}

/**
 * A one-policy check of a policy without `blockMs`, on the pool: the upsert whose update runs
 * only when the policy admits (`on conflict … do update … where`), so the verdict is one
 * expression instead of one `case` a column, and the written values are plain: about a fifth
 * less server CPU a check than `policyUpsert`'s form (docs/rate-limit.md, "Postgres"). An admit
 * returns the state it stored (`ADMITTED_COLUMNS`), from which the store computes the outcome
 * (`admittedOutcome`); it keeps no previous state (`pa`..`pk` stay as they were), which saves
 * the server writing four more columns. A refused check writes nothing and returns NO row (the
 * conflict still locks the row while it decides); the store then reads the state to answer. The
 * insert is a fresh client's admitted state, in the same float operations as evaluate.ts's (the
 * store sends the statement only when a fresh client would be admitted).
 */
function admitOnlyUpsert(table: string, algorithm: ResolvedPolicy['algorithm']): string {
  const first = firstAdmitColumns(algorithm);
  const [na, nb, nc] = admitColumns(algorithm, STORED);
  // A window's expiry does not depend on its count: an admit's is the fresh row's (`f_e`).
  const expiry = (arrival: string) =>
    algorithm === 'gcra' ? `greatest(p_now + 1, ceil(${arrival}))` : 'f_e';
  const inserted = [...first, '0', expiry(first[0])];
  const expiresAt = expiry(na);
  return `insert into ${table} as t (key, a, b, c, k, expires_at)
      values (v_key, ${inserted.join(', ')})
      on conflict (key) do update set a = ${na}, b = ${nb}, c = ${nc}, k = 0,
        expires_at = ${expiresAt}
      where t.k <= p_now and ${fits(algorithm, STORED)}
      returning ${ADMITTED_COLUMNS[algorithm].join(', ')}`;
}

/** A variable of a policy's upsert, as `plainPolicyUpsert` numbers it. */
export type UpsertVariable = keyof typeof VARIABLE_TYPES;

const VARIABLE_TYPES = {
  p_now: 'float8',
  p_cost: 'float8',
  v_key: 'text',
  v_lim: 'float8',
  v_w: 'float8',
  v_burst: 'float8',
  v_block: 'float8',
  v_start: 'float8',
  v_iv: 'float8',
  f_a: 'float8',
  f_b: 'float8',
  f_c: 'float8',
  f_k: 'float8',
  f_e: 'float8',
} as const;

/**
 * A policy's upsert as one plain statement (a check of one policy, prepared on a pg pool): its
 * variables become `$1`.. in order of first use, `variables` says which is which (a parameter
 * the statement does not use would have no type, which Postgres refuses). With `blocks` it
 * returns the previous state `pa`..`pk`; without (`admitOnlyUpsert`) an admit returns the stored
 * state `a`..`c` and a refusal no row.
 */
export function plainPolicyUpsert(
  table: string,
  algorithm: ResolvedPolicy['algorithm'],
  blocks: boolean,
): { text: string; variables: readonly UpsertVariable[] } {
  const variables: UpsertVariable[] = [];
  const statement = blocks
    ? policyUpsert(table, algorithm, true, false)
    : admitOnlyUpsert(table, algorithm);
  const text = statement.replace(/\b(?:p_now|p_cost|v_[a-z]+|f_[a-z]+)\b/g, (name) => {
    const variable = name as UpsertVariable;
    let at = variables.indexOf(variable);
    if (at < 0) at = variables.push(variable) - 1;
    return `$${at + 1}::${VARIABLE_TYPES[variable]}`;
  });
  return { text, variables };
}

/**
 * The body of `RATE_LIMIT_UPSERT_FUNCTION(p_now, p_cost, p_keys, p_codes, p_limits, p_windows,
 * p_bursts, p_block_ms, p_fresh)`: arrays one element a policy, `p_codes` 1 fixed window, 2
 * sliding window, 3 GCRA, `p_bursts` GCRA's burst (a window's limit), `p_fresh` an `n × 6`
 * array of what the store computed for a client without state (a, b, c, k, expires_at, 1 when
 * it admits). Returns `n × 4` numbers, each policy's previous state (nulls: it had none).
 * `p_keys` come in code-point order (the store sorts them, and `adjust` locks in that order
 * too): each upsert locks its row, so that order keeps two calls from deadlocking. `table` is
 * schema-qualified.
 */
export function upsertFunctionBody(table: string): string {
  const upsert = (algorithm: ResolvedPolicy['algorithm'], blocks: boolean) =>
    `${policyUpsert(table, algorithm, blocks, true)} into r_a, r_b, r_c, r_k, r_ok;`;
  const branch = (algorithm: ResolvedPolicy['algorithm']) => `if v_block > 0 then
        ${upsert(algorithm, true)}
      else
        ${upsert(algorithm, false)}
      end if;`;
  return `
declare
  n int := cardinality(p_keys);
  v_key text; v_lim double precision; v_w double precision; v_burst double precision;
  v_block double precision; v_start double precision; v_iv double precision;
  f_a double precision; f_b double precision; f_c double precision; f_k double precision;
  f_e double precision; f_ok boolean;
  r_a double precision; r_b double precision; r_c double precision; r_k double precision;
  r_ok boolean;
  v_prev double precision[] := array_fill(null::double precision, array[n * 4]);
  v_counted boolean[] := array_fill(false, array[n]);
  v_all_ok boolean := true;
begin
  for i in 1..n loop
    v_key := p_keys[i]; v_lim := p_limits[i]; v_w := p_windows[i]; v_burst := p_bursts[i];
    v_block := p_block_ms[i];
    v_start := floor(p_now / v_w) * v_w;
    v_iv := v_w / v_lim;
    f_a := p_fresh[i][1]; f_b := p_fresh[i][2]; f_c := p_fresh[i][3]; f_k := p_fresh[i][4];
    f_e := p_fresh[i][5]; f_ok := p_fresh[i][6] = 1;
    if p_codes[i] = 1 then
      ${branch('fixed-window')}
    elsif p_codes[i] = 2 then
      ${branch('sliding-window')}
    else
      ${branch('gcra')}
    end if;
    v_prev[4 * i - 3] := r_a; v_prev[4 * i - 2] := r_b; v_prev[4 * i - 1] := r_c; v_prev[4 * i] := r_k;
    v_counted[i] := r_ok;
    v_all_ok := v_all_ok and r_ok;
  end loop;
  if not v_all_ok then
    for i in 1..n loop
      continue when not v_counted[i];
      if v_prev[4 * i - 3] is null then
        delete from ${table} where key = p_keys[i];
      else
        update ${table} set a = pa, b = pb, c = pc, k = pk where key = p_keys[i];
      end if;
    end loop;
  end if;
  return v_prev;
end;
`;
}
