import { RedisScript } from '@rampart/core/redis';

/**
 * The Lua scripts of `RedisJwtNonceStore`. Every script touches only keys of one user, which
 * share the user's hash tag, so each runs on one Redis Cluster node.
 *
 * A token key holds one string: a status letter (`a` active, `s` spent, `r` revoked), the issue
 * time in epoch ms (empty when unknown), a kind letter (`A` access, `R` refresh), `:` and the
 * family the token was issued in. The user is the key's, so a token is bound to all three; a
 * value without a kind letter or a family (written before the binding) matches none.
 */

/** KEYS: token, family, user. Returns [token value | nil, family exists (0/1), watermark | nil]. */
export const lookupScript = new RedisScript(`
local token = redis.call('GET', KEYS[1])
local family = redis.call('EXISTS', KEYS[2])
local watermark = redis.call('GET', KEYS[3])
return {token, family, watermark}
`);

/**
 * KEYS: token, family, user. ARGV: requireRecord ('1'/'0'), ttl ms of a new spent marker, the
 * presented family, the presented kind letter. Returns [outcome, token value before | nil, family
 * exists, watermark | nil]. The check and the write are one script, so exactly one caller turns
 * an active token into a spent one; a token of another family or kind is `mismatched` and left
 * alone, and only a refresh token (`R`) is ever spent.
 */
export const spendScript = new RedisScript(`
local token = redis.call('GET', KEYS[1])
local family = redis.call('EXISTS', KEYS[2])
local watermark = redis.call('GET', KEYS[3])
local refresh = ARGV[4] == 'R'
local outcome
if not token then
  if ARGV[1] == '1' or not refresh then
    outcome = 'invalid'
  else
    redis.call('SET', KEYS[1], 'sR:' .. ARGV[3], 'PX', ARGV[2])
    outcome = 'spent'
  end
-- Bound only when the value is exactly what this token's record would be: status, issue time,
-- the presented kind letter, ':' and the presented family (a plain comparison, no pattern).
elseif token ~= string.match(token, '^.%d*') .. ARGV[4] .. ':' .. ARGV[3] then
  outcome = 'mismatched'
elseif not refresh then
  outcome = 'invalid'
else
  local status = string.sub(token, 1, 1)
  if status == 'a' then
    redis.call('SET', KEYS[1], 's' .. string.sub(token, 2), 'KEEPTTL')
    outcome = 'spent'
  elseif status == 's' then
    outcome = 'reused'
  else
    outcome = 'invalid'
  end
end
return {outcome, token, family, watermark}
`);

/** KEYS: token keys. ARGV: value, ttl ms for each key in turn. Existing records stay as they are. */
export const recordScript = new RedisScript(`
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[2 * i - 1], 'PX', ARGV[2 * i], 'NX')
end
return #KEYS
`);

/**
 * KEYS: token. ARGV: the value of a new revoked marker ('r', the kind letter, ':' and the family),
 * ttl ms. An existing record becomes revoked and keeps its issue time, kind and family. The
 * longer of the two TTLs is kept, so revoking never shortens how long a revocation is remembered.
 */
export const revokeScript = new RedisScript(`
local current = redis.call('GET', KEYS[1])
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
local value = ARGV[1]
if current then value = 'r' .. string.sub(current, 2) end
redis.call('SET', KEYS[1], value, 'PX', ttl)
return 1
`);

/** KEYS: one key. ARGV: value, ttl ms. Writes the value and keeps the longer of the two TTLs. */
export const markScript = new RedisScript(`
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
`);

/** KEYS: user. ARGV: at (epoch ms), ttl ms. The watermark only moves forward. */
export const watermarkScript = new RedisScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
if at < current then at = current end
redis.call('SET', KEYS[1], string.format('%d', at), 'PX', ttl)
return 1
`);
