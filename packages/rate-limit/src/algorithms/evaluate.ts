import type { ResolvedPolicy } from '../policy.js';

/**
 * The state of one policy for one client, as every store keeps it: three numbers and a block.
 *
 * - fixed window: `a` = start of the window counted (epoch ms), `b` = its count.
 * - sliding window: `a` = start of the current window, `b` = its count, `c` = the previous
 *   window's count.
 * - GCRA: `a` = the theoretical arrival time (TAT, epoch ms, fractional).
 *
 * The Lua script (stores/redis-script.ts) and the SQL function (stores/postgres-migrations.ts)
 * implement the same arithmetic; the conformance suite holds all three to it.
 */
export interface CounterState {
  a: number;
  b: number;
  c: number;
  /** Epoch ms until which the client is blocked (a penalty), 0 when not. */
  blockedUntil: number;
}

/** What one policy says about one request. Reused between calls: copy what you keep. */
export interface PolicyOutcome {
  allowed: boolean;
  /** Quota left after this request (cost units), never negative. */
  remaining: number;
  /** Milliseconds until the quota is fully restored (window end, or the GCRA bucket full). */
  resetMs: number;
  /** Milliseconds until a request of the same cost could pass; 0 when allowed. */
  retryAfterMs: number;
  /** Refused because the client is serving a block (which a refusal does not extend). */
  blocked: boolean;
  /** The state to store if the request is admitted by every policy of the check. */
  next: CounterState;
}

/** Float slack for GCRA: TAT arithmetic on epoch ms in doubles drifts by ~1e-4 ms. */
const GCRA_EPSILON_MS = 1e-3;

export function emptyState(): CounterState {
  return { a: 0, b: 0, c: 0, blockedUntil: 0 };
}

export function createOutcome(): PolicyOutcome {
  return {
    allowed: false,
    remaining: 0,
    resetMs: 0,
    retryAfterMs: 0,
    blocked: false,
    next: emptyState(),
  };
}

/**
 * Decides one policy for a request of `cost` at `now`, from `state` (`undefined` for a client
 * never seen or expired). Pure: writes only into `out`.
 */
export function evaluatePolicy(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  cost: number,
  out: PolicyOutcome,
): PolicyOutcome {
  const next = out.next;
  next.blockedUntil = state !== undefined && state.blockedUntil > now ? state.blockedUntil : 0;
  if (policy.code === 3) gcra(policy, state, now, cost, out);
  else if (policy.code === 1) fixedWindow(policy, state, now, cost, out);
  else slidingWindow(policy, state, now, cost, out);
  out.blocked = next.blockedUntil > now;
  if (out.blocked) {
    // A blocked client is refused without counting; the block outlasts any window.
    const wait = next.blockedUntil - now;
    out.allowed = false;
    out.remaining = 0;
    out.retryAfterMs = Math.max(out.retryAfterMs, wait);
    out.resetMs = Math.max(out.resetMs, wait);
    if (state !== undefined) copyCounters(state, next);
  }
  return out;
}

/**
 * Applies the policy's penalty to a request it refused: block for `blockMs` from now. A request
 * refused by a running block does not extend it, so a client that waits it out gets back in.
 */
export function applyBlock(policy: ResolvedPolicy, out: PolicyOutcome, now: number): void {
  if (policy.blockMs === 0 || out.allowed || out.blocked) return;
  const until = now + policy.blockMs;
  if (until > out.next.blockedUntil) out.next.blockedUntil = until;
  out.retryAfterMs = Math.max(out.retryAfterMs, until - now);
  out.resetMs = Math.max(out.resetMs, until - now);
}

/** Milliseconds after `now` at which `state` no longer matters and may be dropped. */
export function stateTtlMs(policy: ResolvedPolicy, state: CounterState, now: number): number {
  let end: number;
  if (policy.code === 1) end = state.a + policy.windowMs;
  else if (policy.code === 2) end = state.a + 2 * policy.windowMs;
  else end = state.a;
  if (state.blockedUntil > end) end = state.blockedUntil;
  return Math.max(1, Math.ceil(end - now));
}

/**
 * The start of the window holding `now`: windows are aligned to the epoch, so every process and
 * store agrees where one starts. The same value as `now - (now % windowMs)`, as the Lua and SQL
 * stores compute it (pinned by a property test): `%` on epoch milliseconds, doubles past 2^31, is
 * a C call in V8 (~8 ns), the division and `floor` a few instructions, and for `now` below 2^53
 * the quotient never rounds across a whole number.
 */
export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

function copyCounters(from: CounterState, to: CounterState): void {
  to.a = from.a;
  to.b = from.b;
  to.c = from.c;
}

function fixedWindow(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  cost: number,
  out: PolicyOutcome,
): void {
  const windowMs = policy.windowMs;
  const start = windowStart(now, windowMs);
  const count = state !== undefined && state.a === start ? state.b : 0;
  const allowed = count + cost <= policy.limit;
  const counted = allowed ? count + cost : count;
  out.allowed = allowed;
  out.remaining = Math.max(0, policy.limit - counted);
  out.resetMs = start + windowMs - now;
  out.retryAfterMs = allowed ? 0 : out.resetMs;
  out.next.a = start;
  out.next.b = counted;
  out.next.c = 0;
}

function slidingWindow(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  cost: number,
  out: PolicyOutcome,
): void {
  const windowMs = policy.windowMs;
  const limit = policy.limit;
  const start = windowStart(now, windowMs);
  let current = 0;
  let previous = 0;
  if (state !== undefined) {
    if (state.a === start) {
      current = state.b;
      previous = state.c;
    } else if (state.a === start - windowMs) {
      previous = state.b;
    }
  }
  const elapsed = now - start;
  // The previous window counts for the part of it the sliding window still covers.
  const estimate = (previous * (windowMs - elapsed)) / windowMs + current;
  const allowed = estimate + cost <= limit;
  const counted = allowed ? current + cost : current;
  out.allowed = allowed;
  out.remaining = Math.max(0, Math.floor(limit - estimate - (allowed ? cost : 0)));
  out.resetMs = windowMs - elapsed;
  out.retryAfterMs = allowed
    ? 0
    : slidingRetryAfter(windowMs, limit, elapsed, previous, current, cost);
  out.next.a = start;
  out.next.b = counted;
  out.next.c = previous;
}

/** The wait until the weighted estimate leaves room for `cost`. */
function slidingRetryAfter(
  windowMs: number,
  limit: number,
  elapsed: number,
  previous: number,
  current: number,
  cost: number,
): number {
  const toWindowEnd = windowMs - elapsed;
  if (cost > limit) return toWindowEnd + windowMs;
  if (current + cost <= limit && previous > 0) {
    // Solve previous * (windowMs - elapsed - t) / windowMs + current + cost <= limit for t.
    const wait = toWindowEnd - ((limit - current - cost) * windowMs) / previous;
    if (wait < toWindowEnd) return Math.max(1, Math.ceil(wait));
  }
  // In the next window this window's count becomes the weighted one.
  const intoNext = current > 0 ? windowMs - ((limit - cost) * windowMs) / current : 0;
  return Math.max(1, Math.ceil(toWindowEnd + Math.max(0, intoNext)));
}

function gcra(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  cost: number,
  out: PolicyOutcome,
): void {
  const interval = policy.windowMs / policy.limit;
  const tolerance = interval * policy.burst;
  const tat = state !== undefined && state.a > now ? state.a : now;
  const nextTat = tat + interval * cost;
  const allowAt = nextTat - tolerance;
  const allowed = allowAt <= now + GCRA_EPSILON_MS;
  const kept = allowed ? nextTat : tat;
  out.allowed = allowed;
  out.remaining = Math.max(0, Math.floor((tolerance - (kept - now)) / interval + GCRA_EPSILON_MS));
  out.resetMs = Math.max(0, Math.ceil(kept - now));
  out.retryAfterMs = allowed
    ? 0
    : interval * cost > tolerance
      ? policy.windowMs
      : Math.max(1, Math.ceil(allowAt - now));
  out.next.a = kept;
  out.next.b = 0;
  out.next.c = 0;
}
