import type { ResolvedPolicy } from '../policy.js';

/**
 * Migration 0003's SQL, kept so 0003 installs what it shipped (since 0004 the store runs
 * `postgres-upsert.ts`'s). The check `PostgresRateLimitStore.hit` ran from 0003: ONE plain SQL statement on
 * a row per policy (`key` is `storageKey`, `a`..`c` the counters, `k` the block), no arrays
 * stored; the body of `RATE_LIMIT_HIT_FUNCTION`, whose PL/pgSQL only keeps its plan. Its decision mirrors `algorithms/evaluate.ts`: the same float operations in
 * the same order, so Postgres and JavaScript agree on every admit; the statement returns the
 * state it read, and the store computes the outcomes from it with `evaluateCheck` itself.
 *
 * Why this shape (docs/rate-limit.md, "Postgres"): 0002's function built and parsed arrays of
 * every policy's state per check and ran in PL/pgSQL; this statement costs the server a few
 * plain expressions per policy, like rate-limiter-flexible's upsert.
 *
 * Concurrency: `s` locks the rows of every policy in key order (`for update`, which under READ
 * COMMITTED returns the latest committed version), so checks of one client serialise, never
 * deadlock, and the `update` writes what was decided from the locked rows: every policy moves or
 * none does. A row missing from the snapshot cannot be locked: the statement then writes no
 * counter and returns fewer rows than policies; the store inserts the missing rows (empty
 * state, `on conflict do nothing`) and runs it again, which finds every row.
 *
 * Parameters (the function's): `p_now`, `p_cost`, `p_keys` (text[], one a policy), `p_codes`
 * (1 fixed window, 2 sliding window, 3 GCRA), `p_limits`, `p_windows`, `p_bursts` (GCRA's; a
 * window's limit), `p_block_ms`. `TABLE` is replaced by the schema-qualified table.
 */
export const HIT_STATEMENT = `
return query
with s as materialized (
  select t.key, t.a, t.b, t.c, t.k from TABLE t
  where t.key = any(p_keys) order by t.key for update
),
d as (
  select u.key, u.code, u.lim, u.w, u.burst, u.block_ms, x.start, x.blk,
    case when x.a = x.start then x.b else 0 end as cur,
    case when x.a = x.start then x.c when x.a = x.start - u.w then x.b else 0 end as prev,
    greatest(x.a, p_now) as tat,
    u.w / u.lim as iv
  from unnest(p_keys, p_codes, p_limits, p_windows, p_bursts, p_block_ms)
    as u(key, code, lim, w, burst, block_ms)
  left join s on s.key = u.key
  cross join lateral (select floor(p_now / u.w) * u.w as start, coalesce(s.a, 0) as a,
    coalesce(s.b, 0) as b, coalesce(s.c, 0) as c, coalesce(s.k > p_now, false) as blk) x
),
e as (
  select d.*, not d.blk and case d.code
    when 1 then d.cur + p_cost <= d.lim
    when 2 then (d.prev * (d.w - (p_now - d.start))) / d.w + d.cur + p_cost <= d.lim
    else d.tat + d.iv * p_cost - d.iv * d.burst <= p_now + 0.001 end as ok
  from d
),
f as (
  select e.*, bool_and(e.ok) over () as all_ok from e
  where (select count(*) from s) = cardinality(p_keys)
),
w as (
  select f.key,
    case when f.code <> 3 then f.start when f.all_ok then f.tat + f.iv * p_cost else f.tat end as na,
    case when f.code = 3 then 0 else f.cur + case when f.all_ok then p_cost else 0 end end as nb,
    case when f.code = 2 then f.prev else 0 end as nc,
    case when f.all_ok then 0 else p_now + f.block_ms end as nk,
    case f.code when 1 then f.w when 2 then 2 * f.w else 0 end as span
  from f
  -- Admitted: every policy counts. Refused: only a policy that refused, serves no block and has
  -- blockMs stores its state, with its new block (evaluateCheck's startBlock).
  where f.all_ok or (not f.ok and not f.blk and f.block_ms > 0)
),
upd as (
  update TABLE t set a = w.na, b = w.nb, c = w.nc, k = w.nk,
    expires_at = greatest(p_now + 1, ceil(greatest(w.na + w.span, w.nk)))
  from w where t.key = w.key
)
select s.key, s.a, s.b, s.c, s.k from s;`;

/**
 * A check of ONE policy (most routes' case), as one `insert … on conflict do update` like
 * rate-limiter-flexible's: the conflict locks the client's row, and the new state is plain `case`
 * arithmetic on the row, specialised to the policy's algorithm. The row keeps the state it had
 * before (`pa`..`pk`, null when the statement inserted it) so the store computes the outcome
 * from it with `evaluateCheck`, as for several policies. The inserted values are what the store
 * computed for a client without state.
 *
 * Parameters: $1 key, $2 now, $3 cost, $4..$8 a fresh client's row (a, b, c, k, expires_at),
 * $9 limit, $10 window, $11 block ms, and for GCRA $12 its burst (a parameter the statement
 * does not use has no type, which Postgres refuses).
 */
export function singleHitStatement(table: string, algorithm: ResolvedPolicy['algorithm']): string {
  const now = '$2::float8';
  const cost = '$3::float8';
  const [lim, w, blockMs, burst] = ['$9::float8', '$10::float8', '$11::float8', '$12::float8'];
  const start = `floor(${now} / ${w}) * ${w}`;
  const cur = `(case when t.a = ${start} then t.b else 0 end)`;
  const prev = `(case when t.a = ${start} then t.c when t.a = ${start} - ${w} then t.b else 0 end)`;
  const tat = `greatest(t.a, ${now})`;
  const iv = `(${w} / ${lim})`;
  // The policy's own verdict, before a block (evaluateCheck's, in the same float operations).
  const fits = {
    'fixed-window': `${cur} + ${cost} <= ${lim}`,
    'sliding-window': `(${prev} * (${w} - (${now} - ${start}))) / ${w} + ${cur} + ${cost} <= ${lim}`,
    gcra: `${tat} + ${iv} * ${cost} - ${iv} * ${burst} <= ${now} + 0.001`,
  }[algorithm];
  const counted = `case when ${fits} then ${cost} else 0 end`;
  const [na, nb, nc, span] = (
    {
      'fixed-window': [start, `${cur} + ${counted}`, '0', w],
      'sliding-window': [start, `${cur} + ${counted}`, prev, `2 * ${w}`],
      gcra: [`case when ${fits} then ${tat} + ${iv} * ${cost} else ${tat} end`, '0', '0', '0'],
    } satisfies Record<ResolvedPolicy['algorithm'], [string, string, string, string]>
  )[algorithm];
  const nk = `case when ${fits} then 0 else ${now} + ${blockMs} end`;
  // Written: an admitted request, or a refusal that starts the policy's block; a client serving
  // a block, or refused without blockMs, keeps its state.
  const writes = `(t.k <= ${now} and (${fits} or ${blockMs} > 0))`;
  const kept = (column: string, next: string) =>
    `${column} = case when ${writes} then ${next} else t.${column} end`;
  return `insert into ${table} as t (key, a, b, c, k, expires_at)
    values ($1::text, $4::float8, $5::float8, $6::float8, $7::float8, $8::float8)
    on conflict (key) do update set ${kept('a', na)}, ${kept('b', nb)}, ${kept('c', nc)},
      ${kept('k', nk)},
      ${kept('expires_at', `greatest(${now} + 1, ceil(greatest(${na} + ${span}, ${nk})))`)},
      pa = t.a, pb = t.b, pc = t.c, pk = t.k
    returning pa as a, pb as b, pc as c, pk as k`;
}

/** The parameters of `singleHitStatement` as the one-policy function names them. */
const SINGLE_PARAMETERS = [
  'p_key',
  'p_now',
  'p_cost',
  'p_a',
  'p_b',
  'p_c',
  'p_k',
  'p_expires_at',
  'p_limit',
  'p_window',
  'p_block_ms',
  'p_burst',
] as const;

/**
 * The body of the one-policy function 0003 installs: `singleHitStatement` per algorithm, its
 * parameters named, one branch each (`p_code` as in `HIT_STATEMENT`).
 */
export function singleHitFunctionBody(table: string): string {
  const named = (algorithm: ResolvedPolicy['algorithm']) =>
    singleHitStatement(table, algorithm).replace(/\$(\d+)::[a-z0-9]+/g, (_, n: string) => {
      return SINGLE_PARAMETERS[Number(n) - 1] as string;
    });
  const branch = (algorithm: ResolvedPolicy['algorithm']) =>
    `return query with r as (${named(algorithm)}) select r.a, r.b, r.c, r.k from r;`;
  return `begin
  if p_code = 1 then ${branch('fixed-window')}
  elsif p_code = 2 then ${branch('sliding-window')}
  else ${branch('gcra')}
  end if;
end;`;
}
