/**
 * The body of `rampart_rate_limit_check` as migration 0001 installed it (one row per policy);
 * 0002 replaces it with `postgres-check.ts`'s, and keeps this one only so 0001 stays as it ran.
 * It mirrors
 * `algorithms/evaluate.ts` and `adjust.ts` (and the Lua script); the conformance suite holds all
 * three to the same answers.
 *
 * Concurrency: the rows of every policy are created if missing and then locked, both in key
 * order, so concurrent checks of one client serialise and two checks never deadlock. The whole
 * call is one implicit transaction: all policies move together or not at all.
 */
export const CHECK_FUNCTION_BODY = `
declare
  n int := coalesce(array_length(p_keys, 1), 0);
  eps constant double precision := 0.001;
  r record;
  ex boolean; sa double precision; sb double precision; sc double precision; sk double precision;
  code int; lim double precision; w double precision;
  na double precision[] := '{}'; nb double precision[] := '{}'; nc double precision[] := '{}';
  nk double precision[] := '{}'; ok boolean[] := '{}'; rem double precision[] := '{}';
  rst double precision[] := '{}'; rty double precision[] := '{}'; blk boolean[] := '{}';
  all_ok boolean := true;
  iv double precision; tol double precision; tat double precision; next_tat double precision;
  allow_at double precision; kept double precision; start_ms double precision; cnt double precision;
  cur double precision; prev double precision; elapsed double precision; est double precision;
  to_end double precision; wait double precision; into_next double precision; e double precision;
  until_ms double precision;
begin
  if p_mode = 4 then
    delete from rampart_rate_limit_counters where key = any(p_keys);
    return;
  end if;
  if p_mode <> 2 then
    insert into rampart_rate_limit_counters (key, a, b, c, k, expires_at)
      select u.key, 0, 0, 0, 0, 0 from unnest(p_keys) as u(key) order by u.key
      on conflict (key) do nothing;
    perform 1 from rampart_rate_limit_counters where key = any(p_keys) order by key for update;
  end if;
  for i in 1..n loop
    select t.a, t.b, t.c, t.k, t.expires_at into r from rampart_rate_limit_counters t where t.key = p_keys[i];
    ex := found and r.expires_at > p_now;
    sa := case when ex then r.a else 0 end;
    sb := case when ex then r.b else 0 end;
    sc := case when ex then r.c else 0 end;
    sk := case when ex then r.k else 0 end;
    code := p_codes[i]; lim := p_limits[i]; w := p_windows[i];
    nk[i] := case when sk > p_now then sk else 0 end;
    start_ms := (p_now::bigint - mod(p_now::bigint, w::bigint))::double precision;
    if p_mode = 3 then
      if code = 3 then
        tat := case when sa > p_now then sa else p_now end;
        na[i] := greatest(p_now, tat + p_cost * (w / lim)); nb[i] := 0; nc[i] := 0;
      else
        cur := 0; prev := 0;
        if ex and sa = start_ms then cur := sb; prev := sc;
        elsif ex and code = 2 and sa = start_ms - w then prev := sb;
        end if;
        na[i] := start_ms; nb[i] := greatest(0, cur + p_cost);
        nc[i] := case when code = 2 then prev else 0 end;
      end if;
      if p_block_until > nk[i] then nk[i] := p_block_until; end if;
      continue;
    end if;
    if code = 3 then
      iv := w / lim; tol := iv * p_bursts[i];
      tat := case when ex and sa > p_now then sa else p_now end;
      next_tat := tat + iv * p_cost;
      allow_at := next_tat - tol;
      ok[i] := allow_at <= p_now + eps;
      kept := case when ok[i] then next_tat else tat end;
      rem[i] := greatest(0, floor((tol - (kept - p_now)) / iv + eps));
      rst[i] := greatest(0, ceil(kept - p_now));
      rty[i] := case when ok[i] then 0 when iv * p_cost > tol then w else greatest(1, ceil(allow_at - p_now)) end;
      na[i] := kept; nb[i] := 0; nc[i] := 0;
    elsif code = 1 then
      cnt := case when ex and sa = start_ms then sb else 0 end;
      ok[i] := cnt + p_cost <= lim;
      if ok[i] then cnt := cnt + p_cost; end if;
      rem[i] := greatest(0, lim - cnt);
      rst[i] := start_ms + w - p_now;
      rty[i] := case when ok[i] then 0 else rst[i] end;
      na[i] := start_ms; nb[i] := cnt; nc[i] := 0;
    else
      cur := 0; prev := 0;
      if ex and sa = start_ms then cur := sb; prev := sc;
      elsif ex and sa = start_ms - w then prev := sb;
      end if;
      elapsed := p_now - start_ms;
      est := (prev * (w - elapsed)) / w + cur;
      ok[i] := est + p_cost <= lim;
      rem[i] := greatest(0, floor(lim - est - case when ok[i] then p_cost else 0 end));
      rst[i] := w - elapsed;
      if ok[i] then
        rty[i] := 0;
      else
        to_end := w - elapsed;
        rty[i] := null;
        if p_cost > lim then
          rty[i] := to_end + w;
        elsif cur + p_cost <= lim and prev > 0 then
          wait := to_end - ((lim - cur - p_cost) * w) / prev;
          if wait < to_end then rty[i] := greatest(1, ceil(wait)); end if;
        end if;
        if rty[i] is null then
          into_next := case when cur > 0 then w - ((lim - p_cost) * w) / cur else 0 end;
          rty[i] := greatest(1, ceil(to_end + greatest(0, into_next)));
        end if;
      end if;
      na[i] := start_ms; nb[i] := case when ok[i] then cur + p_cost else cur end; nc[i] := prev;
    end if;
    blk[i] := nk[i] > p_now;
    if blk[i] then
      ok[i] := false; rem[i] := 0;
      rty[i] := greatest(rty[i], nk[i] - p_now);
      rst[i] := greatest(rst[i], nk[i] - p_now);
      if ex then na[i] := sa; nb[i] := sb; nc[i] := sc; end if;
    end if;
    if not ok[i] then all_ok := false; end if;
  end loop;
  if p_mode = 2 then
    return query select * from unnest(ok, rem, rst, rty);
    return;
  end if;
  for i in 1..n loop
    if p_mode = 1 and not all_ok then
      if ok[i] or blk[i] or p_block_ms[i] <= 0 then continue; end if;
      until_ms := p_now + p_block_ms[i];
      rty[i] := greatest(rty[i], until_ms - p_now);
      rst[i] := greatest(rst[i], until_ms - p_now);
      if until_ms <= nk[i] then continue; end if;
      nk[i] := until_ms;
    end if;
    e := case p_codes[i] when 1 then na[i] + p_windows[i] when 2 then na[i] + 2 * p_windows[i] else na[i] end;
    if nk[i] > e then e := nk[i]; end if;
    update rampart_rate_limit_counters
      set a = na[i], b = nb[i], c = nc[i], k = nk[i], expires_at = greatest(e, p_now + 1)
      where key = p_keys[i];
  end loop;
  if p_mode = 1 then
    return query select * from unnest(ok, rem, rst, rty);
  end if;
end;
`;
