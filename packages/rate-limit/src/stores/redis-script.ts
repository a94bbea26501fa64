import { RedisScript } from '@rampart/core/redis';
import type { ResolvedPolicy } from '../policy.js';

/**
 * Every operation of the Redis store, for every policy of a key, in one script: one round trip,
 * atomic on the server. The arithmetic mirrors `algorithms/evaluate.ts` and `adjust.ts` line for
 * line; the store conformance suite holds both to the same answers.
 *
 * KEYS[1]: one hash per client and route; a field per policy holds its state `a b c k` (k =
 * blocked until) packed by Lua's `struct` as a marker byte 1 and four little-endian doubles
 * (33 bytes), field `_e` the expiry last set (policy names start with a letter). Binary, not text:
 * `struct.unpack` and `struct.pack` cost a seventh of a pattern match, four `tonumber` and a
 * number-to-text conversion, which made up half of a check's Lua time. A value without the
 * marker (another format) reads as no state.
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
if mode == 4 then
  redis.call('HDEL', KEYS[1], FIELDS)
  return {}
end
local stored = redis.call('HMGET', KEYS[1], '_e', FIELDS)
local storedExpiry = tonumber(stored[1]) or 0
local byte, unpack4 = string.byte, struct.unpack

-- Tables are built whole (no field added later, which would grow them) and no function is
-- defined per call: the script runs on every check.
local P, S, O = POLICIES, {}, {}
local all = true
for i = 1, n do
  local p = P[i]
  local s
  local v = stored[i + 1]
  if v and #v == 33 and byte(v, 1) == 1 then
    local a, b, c, k = unpack4('<dddd', v, 2)
    s = { exists = true, a = a, b = b, c = c, k = k }
  else
    s = { exists = false, a = 0, b = 0, c = 0, k = 0 }
  end
  local o = { k = 0, a = 0, b = 0, c = 0, allowed = false, blocked = false, remaining = 0, reset = 0, retry = 0 }
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
      if o.allowed then o.retry = 0
      else
        -- The wait until the weighted estimate leaves room for cost (see slidingRetryAfter).
        local toEnd = w - elapsed
        local retry
        if cost > limit then retry = toEnd + w
        else
          if cur + cost <= limit and prev > 0 then
            local wait = toEnd - ((limit - cur - cost) * w) / prev
            if wait < toEnd then retry = math.max(1, math.ceil(wait)) end
          end
          if not retry then
            local intoNext = 0
            if cur > 0 then intoNext = w - ((limit - cost) * w) / cur end
            retry = math.max(1, math.ceil(toEnd + math.max(0, intoNext)))
          end
        end
        o.retry = retry
      end
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
  writes[#writes + 1] = struct.pack('<Bdddd', 1, o.a, o.b, o.c, o.k)
  local e = o.a
  if p.code == 1 then e = o.a + p.w elseif p.code == 2 then e = o.a + 2 * p.w end
  if o.k > e then e = o.k end
  e = now + math.max(1, math.ceil(e - now))
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
  local j = 4 * i
  if o.allowed then reply[j - 3] = 1 else reply[j - 3] = 0 end
  reply[j - 2] = o.remaining
  reply[j - 1] = o.reset
  reply[j] = o.retry
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
    // The field names as literal arguments of HMGET/HDEL: no table of them is built per call.
    const fields = policies.map((p) => `'${p.name}'`).join(', ');
    script = new RedisScript(
      `local POLICIES = {\n  ${table}\n}\n${SOURCE.replaceAll('FIELDS', fields)}`,
    );
    scripts.set(policies, script);
  }
  return script;
}

/** ARGV modes of the script. */
export const SCRIPT_MODE = { hit: 1, peek: 2, adjust: 3, reset: 4 } as const;

/** Lua for one policy of the hit script: reads `r[i + 2]`, leaves its verdict in locals `*<i>`. */
function hitPolicyLua(p: ResolvedPolicy, i: number): string {
  const w = p.windowMs;
  const head = `
-- ${p.name}
local e${i}, a${i}, b${i}, c${i}, k${i} = false, 0, 0, 0, 0
do
  local v = r[${i + 2}]
  if v and #v == 33 and byte(v, 1) == 1 then
    e${i} = true
    a${i}, b${i}, c${i}, k${i} = unpack4('<dddd', v, 2)
  end
end
local nk${i} = 0
if e${i} and k${i} > now then nk${i} = k${i} end
local ok${i}, rem${i}, reset${i}, retry${i}, na${i}, nb${i}, nc${i}`;
  let body: string;
  if (p.code === 3) {
    body = `
do
  local interval = ${w} / ${p.limit}
  local tol = interval * ${p.burst}
  local tat = now
  if e${i} and a${i} > now then tat = a${i} end
  local nextTat = tat + interval * cost
  local allowAt = nextTat - tol
  ok${i} = allowAt <= now + EPS
  local kept = tat
  if ok${i} then kept = nextTat end
  rem${i} = max(0, floor((tol - (kept - now)) / interval + EPS))
  reset${i} = max(0, ceil(kept - now))
  if ok${i} then retry${i} = 0 elseif interval * cost > tol then retry${i} = ${w} else retry${i} = max(1, ceil(allowAt - now)) end
  na${i}, nb${i}, nc${i} = kept, 0, 0
end`;
  } else if (p.code === 1) {
    body = `
do
  local start = now - (now % ${w})
  local count = 0
  if e${i} and a${i} == start then count = b${i} end
  ok${i} = count + cost <= ${p.limit}
  local counted = count
  if ok${i} then counted = count + cost end
  rem${i} = max(0, ${p.limit} - counted)
  reset${i} = start + ${w} - now
  if ok${i} then retry${i} = 0 else retry${i} = reset${i} end
  na${i}, nb${i}, nc${i} = start, counted, 0
end`;
  } else {
    body = `
do
  local w, limit = ${w}, ${p.limit}
  local start = now - (now % w)
  local cur, prev = 0, 0
  if e${i} then
    if a${i} == start then cur, prev = b${i}, c${i} elseif a${i} == start - w then prev = b${i} end
  end
  local elapsed = now - start
  local est = (prev * (w - elapsed)) / w + cur
  ok${i} = est + cost <= limit
  local counted, spent = cur, 0
  if ok${i} then counted = cur + cost; spent = cost end
  rem${i} = max(0, floor(limit - est - spent))
  reset${i} = w - elapsed
  if ok${i} then retry${i} = 0
  else
    local toEnd = w - elapsed
    local retry
    if cost > limit then retry = toEnd + w
    else
      if cur + cost <= limit and prev > 0 then
        local wait = toEnd - ((limit - cur - cost) * w) / prev
        if wait < toEnd then retry = max(1, ceil(wait)) end
      end
      if not retry then
        local intoNext = 0
        if cur > 0 then intoNext = w - ((limit - cost) * w) / cur end
        retry = max(1, ceil(toEnd + max(0, intoNext)))
      end
    end
    retry${i} = retry
  end
  na${i}, nb${i}, nc${i} = start, counted, prev
end`;
  }
  const blocked = `
local bl${i} = nk${i} > now
if bl${i} then
  local wait = nk${i} - now
  ok${i} = false
  rem${i} = 0
  retry${i} = max(retry${i}, wait)
  reset${i} = max(reset${i}, wait)
  if e${i} then na${i}, nb${i}, nc${i} = a${i}, b${i}, c${i} end
end`;
  return head + body + blocked;
}

/**
 * Lua keeping policy `i`'s new state in `v<i>` when it changed (as `save` does in the generic
 * script), and the expiry it needs.
 */
function hitSaveLua(p: ResolvedPolicy, i: number): string {
  const end =
    p.code === 1
      ? `na${i} + ${p.windowMs}`
      : p.code === 2
        ? `na${i} + ${2 * p.windowMs}`
        : `na${i}`;
  return `
  if not (e${i} and a${i} == na${i} and b${i} == nb${i} and c${i} == nc${i} and k${i} == nk${i}) then
    v${i} = pack('<Bdddd', 1, na${i}, nb${i}, nc${i}, nk${i})
    local e = ${end}
    if nk${i} > e then e = nk${i} end
    e = now + max(1, ceil(e - now))
    if e > expiry then expiry = e end
    if ${p.windowMs} > slack then slack = ${p.windowMs} end
  end`;
}

/**
 * Lua writing the changed states with one HSET. The common check changes every policy and leaves
 * the key's expiry alone: that case passes the fields straight to HSET, without the table and
 * `unpack` the others need (a fifth of the script's own time).
 */
function hitWriteLua(policies: readonly ResolvedPolicy[]): string {
  const queue = policies
    .map(
      (p, i) => `
  if v${i} then n = n + 2; writes[n - 1] = '${p.name}'; writes[n] = v${i} end`,
    )
    .join('');
  const every = policies.map((_, i) => `v${i}`).join(' and ');
  const direct = policies.map((p, i) => `'${p.name}', v${i}`).join(', ');
  const some = policies.map((_, i) => `v${i}`).join(' or ');
  const partial =
    policies.length === 1
      ? ''
      : `
elseif ${some} then
  local writes, n = {}, 0${queue}
  redis.call('HSET', KEYS[1], unpack(writes))`;
  return `if expiry > storedExpiry then
  local writes, n = {}, 0${queue}
  n = n + 2
  writes[n - 1] = '_e'
  writes[n] = string.format('%.17g', expiry + slack)
  redis.call('HSET', KEYS[1], unpack(writes))
  redis.call('PEXPIRE', KEYS[1], ceil(expiry + slack - now))
elseif ${every} then
  redis.call('HSET', KEYS[1], ${direct})${partial}
end`;
}

/** Bytes of a policy's verdict in the hit script's reply: four doubles. */
export const HIT_REPLY_BYTES_PER_POLICY = 32;

const hitScripts = new WeakMap<readonly ResolvedPolicy[], RedisScript>();

/**
 * The check (`hit`) of a policy list as straight-line Lua, built and hashed once per list: each
 * policy's constants and algorithm are compiled in, so a check builds no table per policy and
 * looks nothing up. Same stored format and arithmetic as the generic script (which serves peek,
 * adjust and reset); the conformance suite holds both to `evaluatePolicy`.
 * ARGV: now, cost. Reply: the generic script's four numbers a policy, packed by `struct` as
 * little-endian doubles (`HIT_REPLY_BYTES_PER_POLICY` bytes a policy): a table reply costs Redis
 * more to build and send than the one string (about 0.3 of its 5 µs), and the client reads the
 * numbers straight from the reply's bytes.
 */
export function hitScriptFor(policies: readonly ResolvedPolicy[]): RedisScript {
  let script = hitScripts.get(policies);
  if (script === undefined) {
    const fields = policies.map((p) => `'${p.name}'`).join(', ');
    const all = policies.map((_, i) => `ok${i}`).join(' and ');
    const reply = policies
      .map((_, i) => `ok${i} and 1 or 0, rem${i}, reset${i}, retry${i}`)
      .join(',\n  ');
    const blocks = policies
      .map((p, i) =>
        p.blockMs === 0
          ? ''
          : `
  if not ok${i} and not bl${i} then
    local untilMs = now + ${p.blockMs}
    if untilMs > nk${i} then
      nk${i} = untilMs${hitSaveLua(p, i).replaceAll('\n', '\n  ')}
    end
    retry${i} = max(retry${i}, ${p.blockMs})
    reset${i} = max(reset${i}, ${p.blockMs})
  end`,
      )
      .join('');
    const source = `local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local EPS = 0.001
local byte, unpack4, pack = string.byte, struct.unpack, struct.pack
-- Locals, not globals: a global read is a table lookup, and a check calls these a dozen times.
local max, floor, ceil = math.max, math.floor, math.ceil
local r = redis.call('HMGET', KEYS[1], '_e', ${fields})
local storedExpiry = tonumber(r[1]) or 0
${policies.map(hitPolicyLua).join('\n')}
-- The packed new state of each policy that changed, else false.
local ${policies.map((_, i) => `v${i}`).join(', ')} = ${policies.map(() => 'false').join(', ')}
local expiry, slack = 0, 0
if ${all} then${policies.map(hitSaveLua).join('')}
else${blocks}
end
${hitWriteLua(policies)}
return pack('<${'dddd'.repeat(policies.length)}',
  ${reply}
)
`;
    script = new RedisScript(source);
    hitScripts.set(policies, script);
  }
  return script;
}
