import type { FixedWindowPolicy } from '../policy.js';
import {
  activeBlock,
  expiryOf,
  type FixedWindowState,
  nextState,
  type PolicyEvaluation,
} from './state.js';
import { windowStart } from './window.js';

/**
 * Fixed window: at most `limit` cost units per window, windows aligned to the epoch. Cheapest,
 * exact per window, but a client may spend a full quota at the end of one window and another at
 * the start of the next. Writes the verdict into `into`.
 */
export function checkFixedWindow(
  policy: FixedWindowPolicy,
  state: FixedWindowState | undefined,
  now: number,
  cost: number,
  into: PolicyEvaluation,
): void {
  const start = windowStart(now, policy.windowMs);
  const count = state !== undefined && state.windowStart === start ? state.count : 0;
  const allowed = count + cost <= policy.limit;
  const counted = allowed ? count + cost : count;
  const resetMs = start + policy.windowMs - now;
  into.allowed = allowed;
  into.remaining = Math.max(0, policy.limit - counted);
  into.resetMs = resetMs;
  into.retryAfterMs = allowed ? 0 : resetMs;
  const next = nextState(into, 'fixed-window');
  next.windowStart = start;
  next.count = counted;
  next.blockedUntil = activeBlock(state, now);
  into.expiresAt = expiryOf(fixedWindowEnd(next, policy.windowMs), next.blockedUntil, now);
}

/** Spends (`delta > 0`) or gives back (`delta < 0`) cost units in the current window. */
export function adjustFixedWindow(
  policy: FixedWindowPolicy,
  state: FixedWindowState | undefined,
  now: number,
  delta: number,
): FixedWindowState {
  const start = windowStart(now, policy.windowMs);
  const count = state !== undefined && state.windowStart === start ? state.count : 0;
  return {
    algorithm: 'fixed-window',
    windowStart: start,
    count: Math.max(0, count + delta),
    blockedUntil: activeBlock(state, now),
  };
}

/** Epoch ms after which the counters no longer matter: the end of the window. */
export function fixedWindowEnd(state: FixedWindowState, windowMs: number): number {
  return state.windowStart + windowMs;
}
