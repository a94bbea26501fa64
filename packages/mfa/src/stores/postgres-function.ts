/**
 * The body of `rampart_mfa_attempt`, the one statement every Postgres attempt runs. It mirrors
 * `stores/lockout.ts` and the Lua scripts; the conformance suite holds all three to the same
 * answers.
 *
 * `p_kind`: 1 a TOTP attempt (`p_secret` the sealed secret the step was computed with, `p_step`
 * the matched step or null), 2 a recovery code (`p_hashes` its hashes), 3 a failure counted
 * outside an attempt. The user's row is locked (`for update`) first, so concurrent attempts of
 * one user run one after the other, each seeing what the previous one wrote. Answers one row:
 * `outcome`, `detail` (the secret of `stale`, the count of `wrong`, the lock's end, the codes
 * left), `engaged` (this call engaged the lock).
 */
export const ATTEMPT_FUNCTION_BODY = `
declare
  u record;
  v_failures int;
  v_window_end bigint;
  v_removed int;
begin
  if p_kind = 3 then
    insert into rampart_mfa_users (user_id) values (p_user) on conflict (user_id) do nothing;
  end if;
  select * into u from rampart_mfa_users where user_id = p_user for update;
  if not found then
    return query select 'not-enabled'::text, null::text, false;
    return;
  end if;
  if u.locked_until > p_now then
    return query select 'locked'::text, u.locked_until::text, false;
    return;
  end if;
  if p_kind <> 3 then
    if u.secret is null then
      return query select 'not-enabled'::text, null::text, false;
      return;
    end if;
    if p_kind = 1 then
      if p_secret is null or u.secret <> p_secret then
        return query select 'stale'::text, u.secret, false;
        return;
      end if;
      if p_step is not null then
        if u.last_step is not null and p_step <= u.last_step then
          return query select 'replayed'::text, null::text, false;
          return;
        end if;
        update rampart_mfa_users set last_step = p_step where user_id = p_user;
        return query select 'accepted'::text, null::text, false;
        return;
      end if;
    else
      delete from rampart_mfa_recovery_codes where user_id = p_user and code_hash = any(p_hashes);
      get diagnostics v_removed = row_count;
      if v_removed > 0 then
        return query select 'accepted'::text,
          (select count(*) from rampart_mfa_recovery_codes where user_id = p_user)::text, false;
        return;
      end if;
    end if;
  end if;
  v_failures := u.failures;
  v_window_end := u.window_ends_at;
  if v_window_end <= p_now then
    v_failures := 0;
    v_window_end := p_now + p_window_ms;
  end if;
  v_failures := v_failures + 1;
  if v_failures >= p_max_failures then
    update rampart_mfa_users
      set failures = 0, window_ends_at = 0, locked_until = p_now + p_lock_ms
      where user_id = p_user;
    return query select 'locked'::text, (p_now + p_lock_ms)::text, true;
    return;
  end if;
  update rampart_mfa_users set failures = v_failures, window_ends_at = v_window_end
    where user_id = p_user;
  return query select 'wrong'::text, v_failures::text, false;
end
`;
