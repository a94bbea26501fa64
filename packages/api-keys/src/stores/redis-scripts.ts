import { RedisScript } from '@rampart/core/redis';

/**
 * The Lua scripts of `RedisApiKeyStore`. Each touches one key hash (`<prefix>key:{<id>}`), so
 * it runs on one Redis Cluster node. Fields: `o` owner, `n` name, `e` environment, `s` scopes
 * (space-separated), `h` hash, `ph`/`pv` previous hash and until when it is valid, `ss`/`ps`
 * sealed signing secrets, `c` created, `x` expires, `r` rotated, `d` rotation due, `u` last
 * used, `dis` disabled (`1`), `rv` revoked at, `m` metadata (JSON), `rl`/`rw` the rate limit and
 * its window, `cw`/`cc` the counter's window start and count. Times are epoch ms.
 */

/**
 * KEYS: the key hash. ARGV: now, cost (0/1), then the presented hashes. One round trip for the
 * whole verification: the lookup, the secret's hash (current, or previous inside its grace),
 * revocation, expiry, the disabled flag and, only when all passed, the key's fixed-window counter
 * (rate-limit's `checkFixedWindow`, line for line): exactly `limit` requests of a window pass,
 * however many arrive at once.
 *
 * Replies `{outcome}` for unknown and mismatch; otherwise `{outcome, matched hash, previous
 * (0/1), owner, scopes, expires, last used, rotation due, limit, window, remaining, reset ms,
 * retry ms}`, the times as integers (`false` when unset) and the last five `false` without a
 * limit. Hashes are compared with `==`: they are
 * HMACs under a pepper the client does not know, so how long a comparison takes tells it nothing.
 */
export const verifyScript = new RedisScript(`
local f = redis.call('HMGET', KEYS[1], 'h', 'ph', 'pv', 'o', 's', 'rv', 'x', 'dis', 'rl', 'rw', 'cw', 'cc', 'u', 'd')
if not f[1] then return {'unknown'} end
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local matched, previous = false, 0
for i = 3, #ARGV do
  if ARGV[i] == f[1] then matched = f[1] break end
end
if not matched and f[2] and tonumber(f[3] or '0') > now then
  for i = 3, #ARGV do
    if ARGV[i] == f[2] then matched, previous = f[2], 1 break end
  end
end
if not matched then return {'mismatch'} end
local outcome = 'valid'
local limit, window, remaining, reset, retry = false, false, false, false, false
if f[6] then outcome = 'revoked'
elseif f[7] and tonumber(f[7]) <= now then outcome = 'expired'
elseif f[8] == '1' then outcome = 'disabled'
elseif f[9] then
  limit, window = tonumber(f[9]), tonumber(f[10])
  local start = now - (now % window)
  local count = 0
  if f[11] and tonumber(f[11]) == start then count = tonumber(f[12]) end
  local ok = count + cost <= limit
  local counted = count
  if ok then counted = count + cost end
  remaining = math.max(0, limit - counted)
  reset = start + window - now
  if ok then
    retry = 0
    if cost > 0 then
      redis.call('HSET', KEYS[1], 'cw', string.format('%.17g', start), 'cc', counted)
    end
  else
    retry = reset
    outcome = 'limited'
  end
end
return {outcome, matched, previous, f[4], f[5], tonumber(f[7]) or false, tonumber(f[13]) or false,
  tonumber(f[14]) or false, limit, window, remaining, reset, retry}
`);

/** KEYS: the key hash. ARGV: field, value pairs. Writes them unless the key exists; 1 when written. */
export const createScript = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`);

/**
 * KEYS: the key hash. ARGV: owner, the expected current hash ('' for any), then field, value
 * pairs (an empty value deletes the field). Applies them to a key of that owner that is not
 * revoked (and still has the expected hash); 1 when applied.
 */
export const updateScript = new RedisScript(`
local f = redis.call('HMGET', KEYS[1], 'o', 'rv', 'h')
if f[1] ~= ARGV[1] or f[2] then return 0 end
if ARGV[2] ~= '' and f[3] ~= ARGV[2] then return 0 end
for i = 3, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
  else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`);

/** KEYS: the key hash. ARGV: owner, at. Revokes a key of that owner not yet revoked; 1 when it did. */
export const revokeScript = new RedisScript(`
local f = redis.call('HMGET', KEYS[1], 'o', 'rv')
if f[1] ~= ARGV[1] or f[2] then return 0 end
redis.call('HSET', KEYS[1], 'rv', ARGV[2])
return 1
`);

/** KEYS: the key hash. ARGV: at. Moves last-used forward only, on a key that exists. */
export const touchScript = new RedisScript(`
local f = redis.call('HMGET', KEYS[1], 'o', 'u')
if not f[1] then return 0 end
if tonumber(f[2] or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'u', ARGV[1])
return 1
`);
