import type { SlidingWindowPolicy } from '../policy.js';
import {
  activeBlock,
  expiryOf,
  nextState,
  type PolicyEvaluation,
  type SlidingWindowState,
} from './state.js';
import { windowStart } from './window.js';

/**
 * Sliding window (the weighted approximation Cloudflare and nginx use): the current window's
 * count plus the previous window's, weighed by the share of it the sliding window still covers.
 * Smooths the fixed window's boundary burst with two counters. Writes the verdict into `into`.
 */
export function checkSlidingWindow(
  policy: SlidingWindowPolicy,
  state: SlidingWindowState | undefined,
  now: number,
  cost: number,
  into: PolicyEvaluation,
): void {
  const { windowMs, limit } = policy;
  const { start, current, previous } = countsAt(policy, state, now);
  const elapsed = now - start;
  const estimate = (previous * (windowMs - elapsed)) / windowMs + current;
  const allowed = estimate + cost <= limit;
  into.allowed = allowed;
  into.remaining = Math.max(0, Math.floor(limit - estimate - (allowed ? cost : 0)));
  into.resetMs = windowMs - elapsed;
  into.retryAfterMs = allowed ? 0 : retryAfter(policy, elapsed, previous, current, cost);
  const next = nextState(into, 'sliding-window');
  next.windowStart = start;
  next.count = allowed ? current + cost : current;
  next.previousCount = previous;
  next.blockedUntil = activeBlock(state, now);
  into.expiresAt = expiryOf(slidingWindowEnd(next, windowMs), next.blockedUntil, now);
}

/** Spends (`delta > 0`) or gives back (`delta < 0`) cost units in the current window. */
export function adjustSlidingWindow(
  policy: SlidingWindowPolicy,
  state: SlidingWindowState | undefined,
  now: number,
  delta: number,
): SlidingWindowState {
  const { start, current, previous } = countsAt(policy, state, now);
  return {
    algorithm: 'sliding-window',
    windowStart: start,
    count: Math.max(0, current + delta),
    previousCount: previous,
    blockedUntil: activeBlock(state, now),
  };
}

/** Epoch ms after which the counters no longer matter: the end of the next window. */
export function slidingWindowEnd(state: SlidingWindowState, windowMs: number): number {
  return state.windowStart + 2 * windowMs;
}

/** The current window's start, and the counts of it and of the window before it. */
function countsAt(policy: SlidingWindowPolicy, state: SlidingWindowState | undefined, now: number) {
  const start = windowStart(now, policy.windowMs);
  if (state?.windowStart === start)
    return { start, current: state.count, previous: state.previousCount };
  // The stored window is the previous one: its count becomes the weighed one.
  if (state?.windowStart === start - policy.windowMs)
    return { start, current: 0, previous: state.count };
  return { start, current: 0, previous: 0 };
}

/** The wait until the weighted estimate leaves room for `cost`. */
function retryAfter(
  policy: SlidingWindowPolicy,
  elapsed: number,
  previous: number,
  current: number,
  cost: number,
): number {
  const { windowMs, limit } = policy;
  const toWindowEnd = windowMs - elapsed;
  if (cost > limit) return toWindowEnd + windowMs;
  if (current + cost <= limit && previous > 0) {
    // Solve previous * (windowMs - elapsed - t) / windowMs + current + cost <= limit for t.
    const wait = toWindowEnd - ((limit - current - cost) * windowMs) / previous;
    if (wait < toWindowEnd) return Math.max(1, Math.ceil(wait));
  }
  // In the next window this window's count becomes the weighed one.
  const intoNext = current > 0 ? windowMs - ((limit - cost) * windowMs) / current : 0;
  return Math.max(1, Math.ceil(toWindowEnd + Math.max(0, intoNext)));
}
