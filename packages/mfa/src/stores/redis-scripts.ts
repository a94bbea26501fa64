import { RedisScript } from '@rampart/core/redis';

/**
 * The Lua scripts of `RedisMfaStore`. A user's keys share the user's hash tag, so every script
 * runs on one Redis Cluster node and is atomic there.
 *
 * `<prefix>{<user>}:state` is a hash: `secret` (sealed, MFA on), `step` (last accepted time step),
 * `fails` and `windowEnd` (the failure window), `lockedUntil` (epoch ms). `…:pending` holds the
 * sealed pending secret (PX), `…:recovery` a set of recovery-code hashes, `…:challenges` the
 * hashes of the user's live challenges (for purging); `<prefix>challenge:<hash>` the user id of
 * a challenge (PX).
 */

/**
 * Shared by the attempt scripts: `lockedAt(state, now)` answers a lock that holds, `fail(key,
 * state, ARGV…)` counts one failure as `stores/lockout.ts` does. ARGV[1..4] of every script that
 * counts: now, maxFailures, windowMs, lockMs.
 */
const LOCKOUT = `
local now = tonumber(ARGV[1])
local function lockedAt(lockedUntil)
  local untilMs = tonumber(lockedUntil or '0')
  if untilMs > now then return {'locked', string.format('%d', untilMs), 0} end
  return nil
end
local function fail(key, fails, windowEnd, enabled)
  local count = tonumber(fails or '0')
  local ends = tonumber(windowEnd or '0')
  if ends <= now then
    count = 0
    ends = now + tonumber(ARGV[3])
  end
  count = count + 1
  local answer
  if count >= tonumber(ARGV[2]) then
    local untilMs = now + tonumber(ARGV[4])
    redis.call('HSET', key, 'fails', 0, 'windowEnd', 0, 'lockedUntil', string.format('%d', untilMs))
    answer = {'locked', string.format('%d', untilMs), 1}
  else
    redis.call('HSET', key, 'fails', count, 'windowEnd', string.format('%d', ends))
    answer = {'wrong', count}
  end
  -- A user without MFA keeps only counters: they go when they no longer matter.
  if not enabled then
    redis.call('PEXPIRE', key, math.max(tonumber(ARGV[3]), tonumber(ARGV[4])))
  end
  return answer
end
`;

/** KEYS: state, pending, recovery. ARGV: now. Returns [secret, pending, recovery count, lockedUntil]. */
export const readScript = new RedisScript(`
local state = redis.call('HMGET', KEYS[1], 'secret', 'lockedUntil')
return {state[1], redis.call('GET', KEYS[2]), redis.call('SCARD', KEYS[3]), state[2]}
`);

/** KEYS: state, pending. ARGV: sealed secret, ttl ms. 'enabled' (nothing written) or 'set'. */
export const setPendingScript = new RedisScript(`
if redis.call('HEXISTS', KEYS[1], 'secret') == 1 then return 'enabled' end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 'set'
`);

/**
 * KEYS: state, pending, recovery. ARGV: the pending sealed secret, its step, recovery hashes…
 * Enables only when MFA is off and the pending secret is exactly ARGV[1].
 */
export const enableScript = new RedisScript(`
if redis.call('HEXISTS', KEYS[1], 'secret') == 1 then return 'conflict' end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 'conflict' end
redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'step', ARGV[2])
redis.call('PERSIST', KEYS[1])
redis.call('DEL', KEYS[2], KEYS[3])
if #ARGV > 2 then redis.call('SADD', KEYS[3], unpack(ARGV, 3)) end
return 'enabled'
`);

/**
 * KEYS: state. ARGV: now, maxFailures, windowMs, lockMs, the sealed secret the step was computed
 * with ('' for none), the matched step ('' for none). Returns [outcome, detail, engaged].
 */
export const attemptTotpScript = new RedisScript(`${LOCKOUT}
local state = redis.call('HMGET', KEYS[1], 'secret', 'step', 'fails', 'windowEnd', 'lockedUntil')
local locked = lockedAt(state[5])
if locked then return locked end
if not state[1] then return {'not-enabled'} end
if state[1] ~= ARGV[5] then return {'stale', state[1]} end
if ARGV[6] == '' then return fail(KEYS[1], state[3], state[4], true) end
if tonumber(ARGV[6]) <= tonumber(state[2] or '-1') then return {'replayed'} end
redis.call('HSET', KEYS[1], 'step', ARGV[6])
return {'accepted'}
`);

/**
 * KEYS: state, recovery. ARGV: now, maxFailures, windowMs, lockMs, the code's hashes… The first
 * hash found is removed (SREM answers 1 to exactly one caller).
 */
export const attemptRecoveryScript = new RedisScript(`${LOCKOUT}
local state = redis.call('HMGET', KEYS[1], 'secret', 'fails', 'windowEnd', 'lockedUntil')
local locked = lockedAt(state[4])
if locked then return locked end
if not state[1] then return {'not-enabled'} end
for i = 5, #ARGV do
  if redis.call('SREM', KEYS[2], ARGV[i]) == 1 then
    return {'accepted', redis.call('SCARD', KEYS[2])}
  end
end
return fail(KEYS[1], state[2], state[3], true)
`);

/** KEYS: state. ARGV: now, maxFailures, windowMs, lockMs. Counts a failure unless locked. */
export const recordFailureScript = new RedisScript(`${LOCKOUT}
local state = redis.call('HMGET', KEYS[1], 'secret', 'fails', 'windowEnd', 'lockedUntil')
local locked = lockedAt(state[4])
if locked then return locked end
return fail(KEYS[1], state[2], state[3], state[1] ~= false)
`);

/** KEYS: state, recovery. ARGV: hashes… Replaces the set of an enabled user: 1, or 0 when off. */
export const replaceRecoveryScript = new RedisScript(`
if redis.call('HEXISTS', KEYS[1], 'secret') == 0 then return 0 end
redis.call('DEL', KEYS[2])
if #ARGV > 0 then redis.call('SADD', KEYS[2], unpack(ARGV)) end
return 1
`);

/** KEYS: state, pending, recovery. Turns MFA off, keeping the counters; 1 when it was on. */
export const disableScript = new RedisScript(`
local was = redis.call('HEXISTS', KEYS[1], 'secret')
redis.call('HDEL', KEYS[1], 'secret', 'step')
redis.call('DEL', KEYS[2], KEYS[3])
return was
`);

/** KEYS: challenge. ARGV: user id. Deletes the challenge when it is that user's: 1, else 0. */
export const consumeChallengeScript = new RedisScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`);
