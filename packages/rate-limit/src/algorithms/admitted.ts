import type { ResolvedPolicy } from '../policy.js';
import type { CounterState, PolicyOutcome } from './state.js';

/** gcra.ts's float slack, which an admitted GCRA outcome's `remaining` adds as it does. */
const GCRA_EPSILON_MS = 1e-3;

/**
 * The outcome `evaluatePolicy` gave a request the policy admitted, computed from the state that
 * admit stored (`next`): the same float operations, so the answer is the same number. For a store
 * whose one statement decides, writes and returns the row it wrote (the Postgres store's
 * admit-only upserts), which therefore never sees the state before.
 *
 * A window's count before the admit is `next.count - cost`: exact, as counts and costs are whole
 * numbers below 2^53.
 */
export function admittedOutcome(
  policy: ResolvedPolicy,
  next: CounterState,
  now: number,
  cost: number,
): PolicyOutcome {
  switch (next.algorithm) {
    case 'fixed-window':
      return {
        allowed: true,
        remaining: Math.max(0, policy.limit - next.count),
        resetMs: next.windowStart + policy.windowMs - now,
        retryAfterMs: 0,
      };
    case 'sliding-window': {
      const { windowMs, limit } = policy;
      const elapsed = now - next.windowStart;
      const current = next.count - cost;
      const estimate = (next.previousCount * (windowMs - elapsed)) / windowMs + current;
      return {
        allowed: true,
        remaining: Math.max(0, Math.floor(limit - estimate - cost)),
        resetMs: windowMs - elapsed,
        retryAfterMs: 0,
      };
    }
    case 'gcra': {
      if (policy.algorithm !== 'gcra') throw new TypeError(`${policy.name} is not a GCRA policy`);
      const interval = policy.windowMs / policy.limit;
      const tolerance = interval * policy.burst;
      const kept = next.theoreticalArrival;
      return {
        allowed: true,
        remaining: Math.max(0, Math.floor((tolerance - (kept - now)) / interval + GCRA_EPSILON_MS)),
        resetMs: Math.max(0, Math.ceil(kept - now)),
        retryAfterMs: 0,
      };
    }
  }
}
