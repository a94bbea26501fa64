/**
 * The body of `rampart_rate_limit_check` as migration 0002 installs it: one row per client and
 * route (like the Redis store's hash), a state per policy name, and every check ONE `update`
 * whose new row a plain SQL sub-select computes. It mirrors `algorithms/evaluate.ts` and
 * `adjust.ts` (and the Lua script); the conformance suite holds all three to the same answers.
 *
 * Why this shape (docs/rate-limit.md, "Postgres"): 0001's function ran two statements per policy
 * plus three, and evaluated the algorithms in PL/pgSQL, one executor call per assignment; that
 * interpretation was most of a check's server CPU. Here PL/pgSQL only picks the statement, whose
 * plan it caches for the session; the arithmetic runs inside the statement as expressions.
 *
 * Row: `names` the policies with state; `s` a `names × 5` array (window start or GCRA's
 * theoretical arrival, count, previous window's count, blocked until, expiry); `reply` the last
 * check's outcomes, `policies × 4` (allowed 1/0, remaining, reset ms, retry-after ms), stored
 * because an `update` returns only what it stored; `expires_at` the latest expiry, for the purge.
 *
 * Concurrency: a check locks its client's one row (the `update`), so checks of one client
 * serialise and all its policies move together or not at all. Under READ COMMITTED a check that
 * waited for the lock computes the sub-select again from the row as the other check left it. A
 * client's first check inserts an empty row (`on conflict do nothing`), then updates it.
 */

/**
 * One row per policy of the check: its stored state (`o_*`; zeros when the client has none),
 * what it decides alone (`ok`, after its block) and its next state if the check is counted. `t`
 * is the client's row (`t.names`, `t.s`), the `p_*` are the function's arguments; mode 3 is
 * `adjust`, which decides nothing.
 */
const POLICIES = `
  select i, u.code, u.w, u.block_ms, o.o_a, o.o_b, o.o_c, o.o_k, o.o_e, o.nk0,
    not o.blk and a.ok as ok,
    case when o.blk then 0 else v.rem end as rem,
    case when o.blk then greatest(v.rst, o.nk0 - p_now) else v.rst end as rst,
    case when o.blk then greatest(v.rty, o.nk0 - p_now) else v.rty end as rty,
    case when o.blk then o.sa else v.na end as na,
    case when o.blk then o.sb else v.nb end as nb,
    case when o.blk then o.sc else v.nc end as nc,
    case when p_mode = 3 then greatest(o.nk0, p_block_until) else o.nk0 end as nk
  from unnest(p_names) with ordinality as p(name, i)
  cross join lateral (select p_codes[i] as code, p_limits[i] as lim, p_windows[i] as w,
    p_bursts[i] as burst, p_block_ms[i] as block_ms,
    array_position(t.names, p.name) as j offset 0) u
  cross join lateral (select
    coalesce(t.s[u.j][1], 0) as o_a, coalesce(t.s[u.j][2], 0) as o_b,
    coalesce(t.s[u.j][3], 0) as o_c, coalesce(t.s[u.j][4], 0) as o_k,
    coalesce(t.s[u.j][5], 0) as o_e,
    case when t.s[u.j][5] > p_now then t.s[u.j][1] else 0 end as sa,
    case when t.s[u.j][5] > p_now then t.s[u.j][2] else 0 end as sb,
    case when t.s[u.j][5] > p_now then t.s[u.j][3] else 0 end as sc,
    case when t.s[u.j][5] > p_now and t.s[u.j][4] > p_now then t.s[u.j][4] else 0 end as nk0,
    coalesce(p_mode <> 3 and t.s[u.j][5] > p_now and t.s[u.j][4] > p_now, false) as blk,
    (p_now::bigint - mod(p_now::bigint, u.w::bigint))::double precision as start offset 0) o
  cross join lateral (select
    u.w / u.lim as iv,
    greatest(o.sa, p_now) as tat,
    case when o.sa = o.start then o.sb else 0 end as cur,
    case when o.sa = o.start then o.sc when o.sa = o.start - u.w then o.sb else 0 end as prev,
    p_now - o.start as elapsed,
    u.w / u.lim * u.burst as tol,
    greatest(o.sa, p_now) + u.w / u.lim * p_cost as next_tat,
    u.w - (p_now - o.start) as to_end offset 0) g
  cross join lateral (select case u.code
    when 3 then g.next_tat - g.tol <= p_now + 0.001
    when 1 then g.cur + p_cost <= u.lim
    else (g.prev * (u.w - g.elapsed)) / u.w + g.cur + p_cost <= u.lim end as ok,
    (g.prev * (u.w - g.elapsed)) / u.w + g.cur as est offset 0) a
  cross join lateral (select case when a.ok then g.next_tat else g.tat end as kept offset 0) k
  cross join lateral (select
    case u.code
      when 3 then greatest(0, floor((g.tol - (k.kept - p_now)) / g.iv + 0.001))
      when 1 then greatest(0, u.lim - g.cur - case when a.ok then p_cost else 0 end)
      else greatest(0, floor(u.lim - a.est - case when a.ok then p_cost else 0 end)) end as rem,
    case u.code
      when 3 then greatest(0, ceil(k.kept - p_now))
      when 1 then o.start + u.w - p_now
      else g.to_end end as rst,
    case
      when a.ok then 0
      when u.code = 3 then
        case when g.iv * p_cost > g.tol then u.w else greatest(1, ceil(g.next_tat - g.tol - p_now)) end
      when u.code = 1 then o.start + u.w - p_now
      when p_cost > u.lim then g.to_end + u.w
      when g.cur + p_cost <= u.lim and g.prev > 0
        and g.to_end - ((u.lim - g.cur - p_cost) * u.w) / g.prev < g.to_end
        then greatest(1, ceil(g.to_end - ((u.lim - g.cur - p_cost) * u.w) / g.prev))
      else greatest(1, ceil(g.to_end + greatest(0,
        case when g.cur > 0 then u.w - ((u.lim - p_cost) * u.w) / g.cur else 0 end))) end as rty,
    case
      when u.code <> 3 then o.start
      when p_mode = 3 then greatest(p_now, g.tat + p_cost * g.iv)
      else k.kept end as na,
    case
      when u.code = 3 then 0
      when p_mode = 3 then greatest(0, g.cur + p_cost)
      else g.cur + case when a.ok then p_cost else 0 end end as nb,
    case when u.code = 2 then g.prev else 0 end as nc offset 0) v`;

/**
 * What the check stores and answers per policy. A refused check (mode 1) keeps each policy's
 * state as it was, unless that policy refused on its own and starts its block (`blockMs`) there.
 */
const WRITES = `
  select z.i, z.ok, z.rem,
    case when l.blocking then greatest(z.rst, z.block_ms) else z.rst end as rst,
    case when l.blocking then greatest(z.rty, z.block_ms) else z.rty end as rty,
    case when p_mode = 1 and not z.all_ok and not l.blocking
      then array[z.o_a, z.o_b, z.o_c, z.o_k, z.o_e]
      else array[z.na, z.nb, z.nc, n.nk, greatest(
        case z.code when 1 then z.na + z.w when 2 then z.na + 2 * z.w else z.na end, n.nk, p_now + 1)]
      end as state
  from (select p.*, bool_and(p.ok) over () as all_ok from (${POLICIES}) p) z
  cross join lateral (select p_mode = 1 and not z.all_ok and not z.ok and z.nk0 = 0
    and z.block_ms > 0 as blocking offset 0) l
  cross join lateral (select case when l.blocking then p_now + z.block_ms else z.nk end as nk) n`;

/** The client's stored policies the check does not name, while their state lasts. */
const OTHERS = `
  select array_agg(o.name order by o.j) as names,
    array_agg(array[t.s[o.j][1], t.s[o.j][2], t.s[o.j][3], t.s[o.j][4], t.s[o.j][5]] order by o.j) as s,
    max(t.s[o.j][5]) as expires_at
  from unnest(t.names) with ordinality as o(name, j)
  where t.s[o.j][5] > p_now and o.name <> all(p_names)`;

/** The client's next row, `(names, s, reply, expires_at)`, from `t` and the arguments. */
const NEXT_ROW = `
  select p_names || coalesce(x.names, '{}') as names,
    w.s || coalesce(x.s, '{}') as s,
    w.reply,
    greatest(w.expires_at, x.expires_at) as expires_at
  from (select array_agg(r.state order by r.i) as s,
      array_agg(array[case when r.ok then 1 else 0 end, r.rem, r.rst, r.rty] order by r.i) as reply,
      max(r.state[5]) as expires_at
    from (${WRITES}) r) w
  cross join (${OTHERS}) x`;

/**
 * The function's body; `rampart_rate_limit_counters` is schema-qualified by the migration. Modes:
 * 1 hit, 2 peek (computes the reply, writes nothing), 3 adjust, 4 reset. Returns the reply.
 */
export const CHECK_FUNCTION_BODY_0002 = `
declare
  v_reply double precision[];
begin
  if p_mode = 2 then
    select n.reply into v_reply
      from (select coalesce(c.names, '{}') as names, coalesce(c.s, '{}') as s
        from (select) d left join rampart_rate_limit_counters c on c.key = p_key) t
      cross join lateral (${NEXT_ROW}) n;
    return v_reply;
  end if;
  if p_mode = 4 then
    update rampart_rate_limit_counters t
      set (names, s, expires_at) = (select coalesce(x.names, '{}'), coalesce(x.s, '{}'),
        coalesce(x.expires_at, 0) from (${OTHERS}) x)
      where t.key = p_key;
    delete from rampart_rate_limit_counters where key = p_key and names = '{}';
    return null;
  end if;
  update rampart_rate_limit_counters t
    set (names, s, reply, expires_at) = (${NEXT_ROW})
    where t.key = p_key
    returning t.reply into v_reply;
  if not found then
    insert into rampart_rate_limit_counters (key, names, s, reply, expires_at)
      values (p_key, '{}', '{}', '{}', 0)
      on conflict (key) do nothing;
    update rampart_rate_limit_counters t
      set (names, s, reply, expires_at) = (${NEXT_ROW})
      where t.key = p_key
      returning t.reply into v_reply;
  end if;
  return v_reply;
end;
`;
