import { RedisScript } from '@rampart/core/redis';

/**
 * The Lua scripts of `RedisIdempotencyStore`. Each touches one key, a hash:
 * `fp` (the fingerprint), `lease` (the lease id), `exp` (when the lease or the kept response
 * expires, epoch ms of the app's clock) and, once completed, `resp` (the encoded response).
 *
 * Expiry is decided by `exp` against the `now` the caller passes, so every store answers by the
 * same clock (and tests move it); the key's own `PEXPIRE` only removes it later, with a margin.
 */

/**
 * KEYS: record. ARGV: fingerprint, lease id, now, expiry of a new lease, PEXPIRE ms. Returns
 * `{'acquired'}`, `{'mismatch'}`, `{'completed', response}` or `{'in-flight', expiry}`. The check
 * and the write are one script, so exactly one of any number of racing claims acquires a free key.
 */
export const claimScript = new RedisScript(`
local held = redis.call('HMGET', KEYS[1], 'fp', 'exp', 'resp')
if held[1] and held[2] and tonumber(held[2]) > tonumber(ARGV[3]) then
  if held[1] ~= ARGV[1] then return {'mismatch'} end
  if held[3] then return {'completed', held[3]} end
  return {'in-flight', held[2]}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'lease', ARGV[2], 'exp', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'acquired'}
`);

/**
 * KEYS: record. ARGV: lease id, now, response, expiry of the kept response, PEXPIRE ms. Stores the
 * response only while the lease id holds an unexpired lease; returns 1 when it did, else 0.
 */
export const completeScript = new RedisScript(`
local held = redis.call('HMGET', KEYS[1], 'lease', 'exp', 'resp')
if held[1] ~= ARGV[1] or held[3] or not held[2] or tonumber(held[2]) <= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'resp', ARGV[3], 'exp', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`);

/** KEYS: record. ARGV: lease id, now. Deletes the record while the lease id holds it; 1 or 0. */
export const releaseScript = new RedisScript(`
local held = redis.call('HMGET', KEYS[1], 'lease', 'exp', 'resp')
if held[1] ~= ARGV[1] or held[3] or not held[2] or tonumber(held[2]) <= tonumber(ARGV[2]) then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
`);
