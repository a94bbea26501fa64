import { RedisScript } from '@rampart/core/redis';
import type { ResolvedPolicy } from '../policy.js';

/**
 * The Lua of the Redis store, generated per policy list: each policy's constants and algorithm
 * are compiled into straight-line code, so a script neither receives nor parses them, builds no
 * table per policy and defines no function per call. The arithmetic mirrors
 * `algorithms/*.ts` line for line; the conformance suite and a differential test against the
 * memory store hold them to the same answers.
 *
 * KEYS[1]: one hash per client and route. Each policy's state is the field named after the
 * policy: a marker byte 1 and four little-endian doubles (33 bytes, Lua's `struct`), the typed
 * state packed at this boundary — fixed window (window start, count, 0, blocked until), sliding
 * window (window start, count, previous count, blocked until), GCRA (theoretical arrival, 0, 0,
 * blocked until). A value without the marker reads as no state. Field `_e` holds the expiry last
 * set on the hash (policy names start with a letter, so never `_`).
 *
 * Names and numbers come from validated policies (`[a-z][a-z0-9_-]*`, safe integers), so they
 * embed as literals safely.
 */

/** What a script does; each has its own ARGV and reply. */
export type ScriptMode = 'hit' | 'peek' | 'adjust' | 'reset';

const scripts = new WeakMap<readonly ResolvedPolicy[], Map<ScriptMode, RedisScript>>();

/**
 * The script of `mode` for a policy list (a limiter's, or an override's), generated and hashed
 * once per list.
 *
 * - `hit`: ARGV now, cost. Checks and counts (see `evaluateCheck`).
 * - `peek`: ARGV now, cost. Checks without writing.
 * - `adjust`: ARGV now, delta, block-until. Moves every counter (see `adjustState`).
 * - `reset`: no ARGV. Deletes every policy's state.
 *
 * `hit` and `peek` reply with four numbers a policy: allowed (1/0), remaining, reset ms and
 * retry-after ms; `adjust` and `reset` with an empty table.
 */
export function scriptFor(policies: readonly ResolvedPolicy[], mode: ScriptMode): RedisScript {
  let byMode = scripts.get(policies);
  if (byMode === undefined) {
    byMode = new Map();
    scripts.set(policies, byMode);
  }
  let script = byMode.get(mode);
  if (script === undefined) {
    script = new RedisScript(luaFor(policies, mode));
    byMode.set(mode, script);
  }
  return script;
}

/** The Lua source of `mode` for `policies`. */
export function luaFor(policies: readonly ResolvedPolicy[], mode: ScriptMode): string {
  const fields = policies.map((policy) => `'${policy.name}'`).join(', ');
  if (mode === 'reset') return `redis.call('HDEL', KEYS[1], ${fields})\nreturn {}\n`;
  const numbered = policies.map((policy, index) => ({ policy, i: index + 1 }));
  const head = `local now = tonumber(ARGV[1])
local ${mode === 'adjust' ? 'delta' : 'cost'} = tonumber(ARGV[2])${mode === 'adjust' ? '\nlocal blockUntil = tonumber(ARGV[3])' : ''}
local EPS = 0.001
local byte, unpack4, pack = string.byte, struct.unpack, struct.pack
-- Locals, not globals: a global read is a table lookup, and a check calls these a dozen times.
local max, floor, ceil = math.max, math.floor, math.ceil
local stored = redis.call('HMGET', KEYS[1], '_e', ${fields})
local storedExpiry = tonumber(stored[1]) or 0
${numbered.map(readState).join('\n')}`;
  if (mode === 'adjust') {
    return `${head}
${numbered.map(adjustPolicy).join('\n')}
local writes, expiry, slack = {}, 0, 0
${numbered.map(queueWrite).join('\n')}
${flushWrites()}
return {}
`;
  }
  const evaluated = `${head}
${numbered.map(checkPolicy).join('\n')}
${numbered.map(applyActiveBlock).join('\n')}`;
  const reply = `return {
  ${numbered.map(({ i }) => `ok${i} and 1 or 0, remaining${i}, reset${i}, retry${i}`).join(',\n  ')}
}
`;
  if (mode === 'peek') return `${evaluated}\n${reply}`;
  return `${evaluated}
-- Either every policy admits the request and each counts it, or none counts anything and a
-- policy with a block that refused starts it.
local writes, expiry, slack = {}, 0, 0
if ${numbered.map(({ i }) => `ok${i}`).join(' and ')} then
${numbered.map(queueWrite).join('\n')}
else
${numbered.map(startBlock).join('\n')}
end
${flushWrites()}
${reply}`;
}

interface Numbered {
  readonly policy: ResolvedPolicy;
  /** The policy's position, from 1: the suffix of its locals. */
  readonly i: number;
}

/** The names of a state's packed doubles, per algorithm (`_` for the unused ones). */
function stateNames({ policy, i }: Numbered): [string, string, string] {
  switch (policy.algorithm) {
    case 'fixed-window':
      return [`windowStart${i}`, `count${i}`, '_'];
    case 'sliding-window':
      return [`windowStart${i}`, `count${i}`, `previous${i}`];
    case 'gcra':
      return [`arrival${i}`, '_', '_'];
  }
}

/** The names of the state to store, per algorithm, and how it packs into the four doubles. */
function nextNames({ policy, i }: Numbered): { names: string[]; packed: string } {
  switch (policy.algorithm) {
    case 'fixed-window':
      return {
        names: [`nextStart${i}`, `nextCount${i}`],
        packed: `nextStart${i}, nextCount${i}, 0, nextBlocked${i}`,
      };
    case 'sliding-window':
      return {
        names: [`nextStart${i}`, `nextCount${i}`, `nextPrevious${i}`],
        packed: `nextStart${i}, nextCount${i}, nextPrevious${i}, nextBlocked${i}`,
      };
    case 'gcra':
      return { names: [`nextArrival${i}`], packed: `nextArrival${i}, 0, 0, nextBlocked${i}` };
  }
}

/** Unpacks the policy's stored state into its algorithm's names; `found<i>` says if there was one. */
function readState(numbered: Numbered): string {
  const { policy, i } = numbered;
  const [first, second, third] = stateNames(numbered);
  return `-- ${policy.name}: ${policy.algorithm}
local ${first}, ${second}, ${third}, blocked${i} = 0, 0, 0, 0
local found${i} = false
do
  local value = stored[${i + 1}]
  if value and #value == 33 and byte(value, 1) == 1 then
    found${i} = true
    ${first}, ${second}, ${third}, blocked${i} = unpack4('<dddd', value, 2)
  end
end
local nextBlocked${i} = 0
if found${i} and blocked${i} > now then nextBlocked${i} = blocked${i} end`;
}

/** The policy's verdict (`ok<i>`, `remaining<i>`, `reset<i>`, `retry<i>`) and next state. */
function checkPolicy({ policy, i }: Numbered): string {
  const { limit, windowMs: w } = policy;
  const verdict = `local ok${i}, remaining${i}, reset${i}, retry${i}`;
  switch (policy.algorithm) {
    case 'fixed-window':
      return `${verdict}, nextStart${i}, nextCount${i}
do
  local start = now - (now % ${w})
  local count = 0
  if found${i} and windowStart${i} == start then count = count${i} end
  ok${i} = count + cost <= ${limit}
  local counted = count
  if ok${i} then counted = count + cost end
  remaining${i} = max(0, ${limit} - counted)
  reset${i} = start + ${w} - now
  if ok${i} then retry${i} = 0 else retry${i} = reset${i} end
  nextStart${i}, nextCount${i} = start, counted
end`;
    case 'sliding-window':
      return `${verdict}, nextStart${i}, nextCount${i}, nextPrevious${i}
do
  local start = now - (now % ${w})
  local current, previous = 0, 0
  if found${i} then
    if windowStart${i} == start then current, previous = count${i}, previous${i}
    elseif windowStart${i} == start - ${w} then previous = count${i} end
  end
  local elapsed = now - start
  local estimate = (previous * (${w} - elapsed)) / ${w} + current
  ok${i} = estimate + cost <= ${limit}
  local counted, spent = current, 0
  if ok${i} then counted = current + cost; spent = cost end
  remaining${i} = max(0, floor(${limit} - estimate - spent))
  reset${i} = ${w} - elapsed
  if ok${i} then retry${i} = 0
  else
    -- The wait until the weighted estimate leaves room for cost (see sliding-window.ts).
    local toEnd = ${w} - elapsed
    local retry
    if cost > ${limit} then retry = toEnd + ${w}
    else
      if current + cost <= ${limit} and previous > 0 then
        local wait = toEnd - ((${limit} - current - cost) * ${w}) / previous
        if wait < toEnd then retry = max(1, ceil(wait)) end
      end
      if not retry then
        local intoNext = 0
        if current > 0 then intoNext = ${w} - ((${limit} - cost) * ${w}) / current end
        retry = max(1, ceil(toEnd + max(0, intoNext)))
      end
    end
    retry${i} = retry
  end
  nextStart${i}, nextCount${i}, nextPrevious${i} = start, counted, previous
end`;
    case 'gcra':
      return `${verdict}, nextArrival${i}
do
  local interval = ${w} / ${limit}
  local tolerance = interval * ${policy.burst}
  local arrival = now
  if found${i} and arrival${i} > now then arrival = arrival${i} end
  local nextArrival = arrival + interval * cost
  local allowAt = nextArrival - tolerance
  ok${i} = allowAt <= now + EPS
  local kept = arrival
  if ok${i} then kept = nextArrival end
  remaining${i} = max(0, floor((tolerance - (kept - now)) / interval + EPS))
  reset${i} = max(0, ceil(kept - now))
  if ok${i} then retry${i} = 0
  elseif interval * cost > tolerance then retry${i} = ${w}
  else retry${i} = max(1, ceil(allowAt - now)) end
  nextArrival${i} = kept
end`;
  }
}

/** A client serving a block is refused and counted nowhere (see `evaluatePolicy`). */
function applyActiveBlock(numbered: Numbered): string {
  const { i } = numbered;
  const [first, second, third] = stateNames(numbered);
  const keep = nextNames(numbered)
    .names.map((name, index) => `${name} = ${[first, second, third][index]}`)
    .join('; ');
  return `local blockedNow${i} = nextBlocked${i} > now
if blockedNow${i} then
  local wait = nextBlocked${i} - now
  ok${i}, remaining${i} = false, 0
  retry${i}, reset${i} = max(retry${i}, wait), max(reset${i}, wait)
  ${keep}
end`;
}

/** The policy's counter moved by `delta` and blocked until `blockUntil` (see `adjustState`). */
function adjustPolicy({ policy, i }: Numbered): string {
  const w = policy.windowMs;
  const block = `if blockUntil > nextBlocked${i} then nextBlocked${i} = blockUntil end`;
  switch (policy.algorithm) {
    case 'fixed-window':
      return `local nextStart${i}, nextCount${i} = now - (now % ${w}), 0
if found${i} and windowStart${i} == nextStart${i} then nextCount${i} = count${i} end
nextCount${i} = max(0, nextCount${i} + delta)
${block}`;
    case 'sliding-window':
      return `local nextStart${i}, nextCount${i}, nextPrevious${i} = now - (now % ${w}), 0, 0
if found${i} then
  if windowStart${i} == nextStart${i} then nextCount${i}, nextPrevious${i} = count${i}, previous${i}
  elseif windowStart${i} == nextStart${i} - ${w} then nextPrevious${i} = count${i} end
end
nextCount${i} = max(0, nextCount${i} + delta)
${block}`;
    case 'gcra':
      return `local nextArrival${i} = now
if found${i} and arrival${i} > now then nextArrival${i} = arrival${i} end
nextArrival${i} = max(now, nextArrival${i} + delta * ${w} / ${policy.limit})
${block}`;
  }
}

/** Starts the policy's block when it refused a request it was not already blocking. */
function startBlock({ policy, i }: Numbered): string {
  if (policy.blockMs === 0) return `-- ${policy.name} has no block`;
  return `if not ok${i} and not blockedNow${i} then
  nextBlocked${i} = now + ${policy.blockMs}
  retry${i}, reset${i} = max(retry${i}, ${policy.blockMs}), max(reset${i}, ${policy.blockMs})
${queueWrite({ policy, i }).replaceAll(/^/gm, '  ')}
end`;
}

/**
 * Queues the policy's packed next state when it differs from the stored one, and raises
 * `expiry` to when the state stops mattering (see `stateExpiresAt`).
 */
function queueWrite(numbered: Numbered): string {
  const { policy, i } = numbered;
  const { names, packed } = nextNames(numbered);
  const [first, second, third] = stateNames(numbered);
  const unchanged = names
    .map((name, index) => `${[first, second, third][index]} == ${name}`)
    .concat(`blocked${i} == nextBlocked${i}`)
    .join(' and ');
  const end =
    policy.algorithm === 'fixed-window'
      ? `nextStart${i} + ${policy.windowMs}`
      : policy.algorithm === 'sliding-window'
        ? `nextStart${i} + ${2 * policy.windowMs}`
        : `nextArrival${i}`;
  return `if not (found${i} and ${unchanged}) then
  writes[#writes + 1] = '${policy.name}'
  writes[#writes + 1] = pack('<Bdddd', 1, ${packed})
  local e = max(${end}, nextBlocked${i})
  e = now + max(1, ceil(e - now))
  if e > expiry then expiry = e end
  if ${policy.windowMs} > slack then slack = ${policy.windowMs} end
end`;
}

/**
 * Writes the queued states with one HSET. The hash's expiry moves only when a state would
 * outlive it, and then with a window of slack, so most checks set none: stale state is harmless
 * to every algorithm (an old window counts nothing, an old arrival or block lies in the past).
 */
function flushWrites(): string {
  return `if expiry > storedExpiry then
  writes[#writes + 1] = '_e'
  writes[#writes + 1] = string.format('%.17g', expiry + slack)
end
if #writes > 0 then redis.call('HSET', KEYS[1], unpack(writes)) end
if expiry > storedExpiry then redis.call('PEXPIRE', KEYS[1], ceil(expiry + slack - now)) end`;
}
