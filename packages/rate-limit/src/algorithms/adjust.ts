import type { ResolvedPolicy } from '../policy.js';
import { type CounterState, windowStart } from './evaluate.js';

/**
 * Moves a client's counter by `delta` cost units without a request: a penalty (`delta > 0`)
 * spends quota, a reward (`delta < 0`) gives it back, never beyond a fresh client's. Returns the
 * new state (written into `into`); `state` is `undefined` for a client never seen.
 */
export function adjustState(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  delta: number,
  into: CounterState,
): CounterState {
  into.blockedUntil = state !== undefined && state.blockedUntil > now ? state.blockedUntil : 0;
  if (policy.code === 3) {
    const interval = policy.windowMs / policy.limit;
    const tat = state !== undefined && state.a > now ? state.a : now;
    into.a = Math.max(now, tat + delta * interval);
    into.b = 0;
    into.c = 0;
    return into;
  }
  const start = windowStart(now, policy.windowMs);
  let current = 0;
  let previous = 0;
  if (state !== undefined) {
    if (state.a === start) {
      current = state.b;
      previous = state.c;
    } else if (policy.code === 2 && state.a === start - policy.windowMs) {
      previous = state.b;
    }
  }
  into.a = start;
  into.b = Math.max(0, current + delta);
  into.c = policy.code === 2 ? previous : 0;
  return into;
}
