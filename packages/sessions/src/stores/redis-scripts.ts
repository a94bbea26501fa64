import { RedisScript } from '@rampart/core/redis';

/**
 * The Lua scripts of `RedisSessionStore` and `RedisTrustedDeviceStore`. Every script touches only
 * keys of one user, which share the user's hash tag (`{<user key>}`), so each runs on one Redis
 * Cluster node.
 *
 * Sessions: KEYS[1] is a hash of session id → `<expiresAt>:<JSON of the rest>`, KEYS[2] a sorted
 * set of session id → lastSeenAt (the LRU order of the cap and the idle clock). Times are epoch
 * ms from the application's clock (ARGV), never Redis' own: every store answers alike. A session
 * is live while now < expiresAt and now < lastSeenAt + idle; it is remembered (answered as
 * expired) for `retention` more, then forgotten. Both keys expire when the last session of the
 * user is forgotten.
 */

/** Shared Lua: the death of a session, and extending a key's expiry (never shortening it). */
const HELPERS = `
local function expiresOf(record)
  return tonumber(string.match(record, '^(%d+):'))
end
local function extend(key, at)
  if redis.call('PEXPIRETIME', key) < at then redis.call('PEXPIREAT', key, at) end
end
`;

/**
 * KEYS: sessions, seen. ARGV: id, now, idle, touch interval, retention. Returns nil (absent),
 * {'idle'|'absolute'} (timed out, remembered), or {record, lastSeenAt, touched (0/1)}.
 */
export const authenticateScript = new RedisScript(`${HELPERS}
local record = redis.call('HGET', KEYS[1], ARGV[1])
local seenText = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not record or not seenText then return false end
local now, idle = tonumber(ARGV[2]), tonumber(ARGV[3])
local seen, expires = tonumber(seenText), expiresOf(record)
local death = math.min(expires, seen + idle)
if now >= death + tonumber(ARGV[5]) then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
if now >= expires then return {'absolute'} end
if now >= seen + idle then return {'idle'} end
if now - seen < tonumber(ARGV[4]) then return {record, seenText, 0} end
redis.call('ZADD', KEYS[2], 'XX', now, ARGV[1])
local forget = math.min(expires, now + idle) + tonumber(ARGV[5])
extend(KEYS[1], forget)
extend(KEYS[2], forget)
return {record, ARGV[2], 1}
`);

/**
 * KEYS: sessions, seen. ARGV: id, now, idle, retention, max, policy, record, expiresAt.
 * Returns {0} when refused (reject-new at the cap), else {1, evicted ids…}. The count, the
 * eviction and the insert are one script: concurrent sign-ins of one user are serialised.
 */
export const createScript = new RedisScript(`${HELPERS}
local now, idle, retention = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
local live = {}
for i = 1, #entries, 2 do
  local id, seen = entries[i], tonumber(entries[i + 1])
  local record = redis.call('HGET', KEYS[1], id)
  if not record then
    redis.call('ZREM', KEYS[2], id)
  else
    local death = math.min(expiresOf(record), seen + idle)
    if now >= death + retention then
      redis.call('HDEL', KEYS[1], id)
      redis.call('ZREM', KEYS[2], id)
    elseif now < death then
      live[#live + 1] = id
    end
  end
end
local reply = {1}
local max = tonumber(ARGV[5])
if #live >= max then
  if ARGV[6] == 'reject-new' then return {0} end
  -- ZRANGE is ascending by lastSeenAt: the least recently seen come first.
  for i = 1, #live - max + 1 do
    redis.call('HDEL', KEYS[1], live[i])
    redis.call('ZREM', KEYS[2], live[i])
    reply[#reply + 1] = live[i]
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[7])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local forget = math.min(tonumber(ARGV[8]), now + idle) + retention
extend(KEYS[1], forget)
extend(KEYS[2], forget)
return reply
`);

/**
 * KEYS: sessions, seen. ARGV: old id, new id, now, idle, retention, new record, new expiresAt.
 * Returns 1 when the live session `old id` was replaced by `new id`, else 0 (nothing written).
 */
export const replaceScript = new RedisScript(`${HELPERS}
local record = redis.call('HGET', KEYS[1], ARGV[1])
local seen = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]))
if not record or not seen then return 0 end
local now, idle = tonumber(ARGV[3]), tonumber(ARGV[4])
if now >= expiresOf(record) or now >= seen + idle then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[6])
redis.call('ZADD', KEYS[2], now, ARGV[2])
local forget = math.min(tonumber(ARGV[7]), now + idle) + tonumber(ARGV[5])
extend(KEYS[1], forget)
extend(KEYS[2], forget)
return 1
`);

/** KEYS: sessions. ARGV: id, record. Rewrites an existing record; returns 1, or 0 when it is gone. */
export const recordScript = new RedisScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`);

/** KEYS: sessions, seen. Returns {HGETALL of sessions, ZRANGE WITHSCORES of seen}. */
export const listScript = new RedisScript(`
return {redis.call('HGETALL', KEYS[1]), redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')}
`);

/** KEYS: sessions, seen. ARGV: id. Returns 1 when the session existed. */
export const revokeScript = new RedisScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
`);

/** KEYS: sessions, seen. ARGV: the id to keep. Returns how many sessions ended. */
export const revokeOthersScript = new RedisScript(`
local ended = 0
for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do
  if id ~= ARGV[1] then
    redis.call('HDEL', KEYS[1], id)
    ended = ended + 1
  end
end
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if id ~= ARGV[1] then redis.call('ZREM', KEYS[2], id) end
end
return ended
`);

/**
 * Trusted devices. KEYS: devices (a hash of device id → `<expiresAt>:<createdAt>:<JSON>`).
 * ARGV: id, record, now, max per user, expiresAt. Forgets expired devices, drops the oldest
 * created beyond the cap, adds the new one.
 */
export const addDeviceScript = new RedisScript(`${HELPERS}
local now = tonumber(ARGV[3])
local live = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local expires, created = string.match(all[i + 1], '^(%d+):(%d+):')
  if now >= tonumber(expires) then
    redis.call('HDEL', KEYS[1], all[i])
  else
    live[#live + 1] = {all[i], tonumber(created)}
  end
end
table.sort(live, function(a, b) return a[2] < b[2] end)
for i = 1, #live - tonumber(ARGV[4]) + 1 do redis.call('HDEL', KEYS[1], live[i][1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
extend(KEYS[1], tonumber(ARGV[5]))
return 1
`);
