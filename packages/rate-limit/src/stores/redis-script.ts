import { RedisScript } from '@rampart/core/redis';
import type { ResolvedPolicy } from '../policy.js';

/**
 * Every operation of the Redis store, for every policy of a key, in one script: one round trip,
 * atomic on the server. The arithmetic mirrors `algorithms/evaluate.ts` and `adjust.ts` line for
 * line; the store conformance suite holds both to the same answers.
 *
 * KEYS[1]: one hash per client and route; a field per policy holds its state packed as
 * `a b c k` (k = blocked until), field `_e` the expiry last set (policy names start with a letter).
 * ARGV: mode (1 hit, 2 peek, 3 adjust, 4 reset), now, cost (or delta), block-until.
 * The policies are constants compiled into the script (see `scriptFor`): a route's policy list is
 * fixed, so its parameters are neither sent nor parsed on each check.
 * Reply: per policy allowed (0/1), remaining, reset ms, retry-after ms.
 */
const SOURCE = `
local mode = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local blockUntil = tonumber(ARGV[4])
local n = #POLICIES
local EPS = 0.001
local names = {}
for i = 1, n do names[i] = POLICIES[i].name end
if mode == 4 then
  redis.call('HDEL', KEYS[1], unpack(names))
  return {}
end
local stored = redis.call('HMGET', KEYS[1], '_e', unpack(names))
local storedExpiry = tonumber(stored[1]) or 0

local function slidingRetry(w, limit, elapsed, prev, cur)
  local toEnd = w - elapsed
  if cost > limit then return toEnd + w end
  if cur + cost <= limit and prev > 0 then
    local wait = toEnd - ((limit - cur - cost) * w) / prev
    if wait < toEnd then return math.max(1, math.ceil(wait)) end
  end
  local intoNext = 0
  if cur > 0 then intoNext = w - ((limit - cost) * w) / cur end
  return math.max(1, math.ceil(toEnd + math.max(0, intoNext)))
end

local function ttl(code, w, a, k)
  local e = a
  if code == 1 then e = a + w elseif code == 2 then e = a + 2 * w end
  if k > e then e = k end
  return math.max(1, math.ceil(e - now))
end

local P, S, O = {}, {}, {}
local all = true
for i = 1, n do
  local p = POLICIES[i]
  local s = { exists = false, a = 0, b = 0, c = 0, k = 0 }
  local v = stored[i + 1]
  if v then
    local a, b, c, k = string.match(v, '^(%S+) (%S+) (%S+) (%S+)$')
    if a then s = { exists = true, a = tonumber(a), b = tonumber(b), c = tonumber(c), k = tonumber(k) } end
  end
  local o = { k = 0 }
  if s.exists and s.k > now then o.k = s.k end
  local w, limit = p.w, p.limit
  if mode == 3 then
    if p.code == 3 then
      local interval = w / limit
      local tat = now
      if s.exists and s.a > now then tat = s.a end
      o.a, o.b, o.c = math.max(now, tat + cost * interval), 0, 0
    else
      local start = now - (now % w)
      local cur, prev = 0, 0
      if s.exists then
        if s.a == start then cur, prev = s.b, s.c elseif p.code == 2 and s.a == start - w then prev = s.b end
      end
      o.a, o.b, o.c = start, math.max(0, cur + cost), 0
      if p.code == 2 then o.c = prev end
    end
    if blockUntil > o.k then o.k = blockUntil end
  elseif p.code == 3 then
    local interval = w / limit
    local tol = interval * p.burst
    local tat = now
    if s.exists and s.a > now then tat = s.a end
    local nextTat = tat + interval * cost
    local allowAt = nextTat - tol
    o.allowed = allowAt <= now + EPS
    local kept = tat
    if o.allowed then kept = nextTat end
    o.remaining = math.max(0, math.floor((tol - (kept - now)) / interval + EPS))
    o.reset = math.max(0, math.ceil(kept - now))
    if o.allowed then o.retry = 0 elseif interval * cost > tol then o.retry = w else o.retry = math.max(1, math.ceil(allowAt - now)) end
    o.a, o.b, o.c = kept, 0, 0
  else
    local start = now - (now % w)
    if p.code == 1 then
      local count = 0
      if s.exists and s.a == start then count = s.b end
      o.allowed = count + cost <= limit
      local counted = count
      if o.allowed then counted = count + cost end
      o.remaining = math.max(0, limit - counted)
      o.reset = start + w - now
      if o.allowed then o.retry = 0 else o.retry = o.reset end
      o.a, o.b, o.c = start, counted, 0
    else
      local cur, prev = 0, 0
      if s.exists then
        if s.a == start then cur, prev = s.b, s.c elseif s.a == start - w then prev = s.b end
      end
      local elapsed = now - start
      local est = (prev * (w - elapsed)) / w + cur
      o.allowed = est + cost <= limit
      local counted = cur
      local spent = 0
      if o.allowed then counted = cur + cost; spent = cost end
      o.remaining = math.max(0, math.floor(limit - est - spent))
      o.reset = w - elapsed
      if o.allowed then o.retry = 0 else o.retry = slidingRetry(w, limit, elapsed, prev, cur) end
      o.a, o.b, o.c = start, counted, prev
    end
  end
  if mode ~= 3 and o.k > now then
    local wait = o.k - now
    o.blocked = true
    o.allowed = false
    o.remaining = 0
    o.retry = math.max(o.retry, wait)
    o.reset = math.max(o.reset, wait)
    if s.exists then o.a, o.b, o.c = s.a, s.b, s.c end
  end
  if mode ~= 3 and not o.allowed then all = false end
  P[i], S[i], O[i] = p, s, o
end

-- Queues a policy's new state; flush() writes every queued one with one HSET, and moves the
-- key's expiry only when a counter would outlive it (with a window of slack, so most hits set
-- none). Stale state is harmless to every algorithm: an old window counts nothing, an old TAT or
-- block lies in the past.
local writes, expiry, slack = {}, 0, 0
local function save(i)
  local p, s, o = P[i], S[i], O[i]
  if s.exists and s.a == o.a and s.b == o.b and s.c == o.c and s.k == o.k then return end
  writes[#writes + 1] = p.name
  if p.code == 3 then
    writes[#writes + 1] = string.format('%.17g 0 0 %.17g', o.a, o.k)
  else
    writes[#writes + 1] = o.a .. ' ' .. o.b .. ' ' .. o.c .. ' ' .. o.k
  end
  local e = now + ttl(p.code, p.w, o.a, o.k)
  if e > expiry then expiry = e end
  if p.w > slack then slack = p.w end
end
local function flush()
  if expiry > storedExpiry then
    writes[#writes + 1] = '_e'
    writes[#writes + 1] = string.format('%.17g', expiry + slack)
  end
  if #writes > 0 then redis.call('HSET', KEYS[1], unpack(writes)) end
  if expiry > storedExpiry then redis.call('PEXPIRE', KEYS[1], math.ceil(expiry + slack - now)) end
end

if mode == 3 then
  for i = 1, n do save(i) end
  flush()
  return {}
end
if mode == 1 then
  for i = 1, n do
    if all then save(i)
    elseif not O[i].allowed and not O[i].blocked and P[i].blockMs > 0 then
      local o = O[i]
      local untilMs = now + P[i].blockMs
      if untilMs > o.k then
        o.k = untilMs
        save(i)
      end
      o.retry = math.max(o.retry, untilMs - now)
      o.reset = math.max(o.reset, untilMs - now)
    end
  end
  flush()
end
local reply = {}
for i = 1, n do
  local o = O[i]
  local allowed = 0
  if o.allowed then allowed = 1 end
  reply[#reply + 1] = allowed
  reply[#reply + 1] = o.remaining
  reply[#reply + 1] = o.reset
  reply[#reply + 1] = o.retry
end
return reply
`;

const scripts = new WeakMap<readonly ResolvedPolicy[], RedisScript>();

/**
 * The script of a policy list (a limiter's, or an override's), built and hashed once: a Lua table
 * of the policies' constants, then the shared body. Names and numbers are validated at
 * construction (`[a-z][a-z0-9_-]*`, safe integers), so they embed as literals safely.
 */
export function scriptFor(policies: readonly ResolvedPolicy[]): RedisScript {
  let script = scripts.get(policies);
  if (script === undefined) {
    const table = policies
      .map(
        (p) =>
          `{ name = '${p.name}', code = ${p.code}, limit = ${p.limit}, w = ${p.windowMs}, burst = ${p.burst}, blockMs = ${p.blockMs} }`,
      )
      .join(',\n  ');
    script = new RedisScript(`local POLICIES = {\n  ${table}\n}\n${SOURCE}`);
    scripts.set(policies, script);
  }
  return script;
}

/** ARGV modes of the script. */
export const SCRIPT_MODE = { hit: 1, peek: 2, adjust: 3, reset: 4 } as const;
