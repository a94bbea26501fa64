import type { AttemptContext, CountedFailure } from '../store.js';

/** The failure counter and lock of one user, as the memory store keeps them. */
export interface LockoutState {
  failures: number;
  /** Epoch ms the counting window ends; 0 when none is open. */
  windowEndsAt: number;
  /** Epoch ms the lock ends; 0 when none. */
  lockedUntil: number;
}

/**
 * Counts one failure into `state` (in place) under the policy: a window opens at the first
 * failure; the `maxFailures`-th failure within it engages the lock and resets the count. The
 * Redis script and the Postgres function apply the same rule.
 */
export function countFailure(state: LockoutState, { policy, now }: AttemptContext): CountedFailure {
  if (state.windowEndsAt <= now) {
    state.failures = 0;
    state.windowEndsAt = now + policy.windowMs;
  }
  state.failures += 1;
  if (state.failures >= policy.maxFailures) {
    state.failures = 0;
    state.windowEndsAt = 0;
    state.lockedUntil = now + policy.lockMs;
    return { outcome: 'locked', lockedUntil: state.lockedUntil, engaged: true };
  }
  return { outcome: 'wrong', failures: state.failures };
}
