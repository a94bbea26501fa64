import type { GcraPolicy } from '../policy.js';
import {
  activeBlock,
  expiryOf,
  type GcraState,
  nextState,
  type PolicyEvaluation,
} from './state.js';

/** Float slack: TAT arithmetic on epoch ms in doubles drifts by ~1e-4 ms. */
const EPSILON_MS = 1e-3;

/**
 * GCRA, the generic cell rate algorithm (a leaky bucket kept as one timestamp): one request every
 * `windowMs / limit` ms, up to `burst` at once. Smooth, one number per client. Writes the
 * verdict into `into`.
 */
export function checkGcra(
  policy: GcraPolicy,
  state: GcraState | undefined,
  now: number,
  cost: number,
  into: PolicyEvaluation,
): void {
  const interval = emissionInterval(policy);
  const tolerance = interval * policy.burst;
  const arrival =
    state !== undefined && state.theoreticalArrival > now ? state.theoreticalArrival : now;
  const nextArrival = arrival + interval * cost;
  const allowAt = nextArrival - tolerance;
  const allowed = allowAt <= now + EPSILON_MS;
  const kept = allowed ? nextArrival : arrival;
  let retryAfterMs = 0;
  if (!allowed) {
    // A cost above the burst never fits: wait the window, after which the client may retry smaller.
    retryAfterMs =
      interval * cost > tolerance ? policy.windowMs : Math.max(1, Math.ceil(allowAt - now));
  }
  into.allowed = allowed;
  into.remaining = Math.max(0, Math.floor((tolerance - (kept - now)) / interval + EPSILON_MS));
  into.resetMs = Math.max(0, Math.ceil(kept - now));
  into.retryAfterMs = retryAfterMs;
  const next = nextState(into, 'gcra');
  next.theoreticalArrival = kept;
  next.blockedUntil = activeBlock(state, now);
  into.expiresAt = expiryOf(gcraEnd(next), next.blockedUntil, now);
}

/** Moves the TAT by `delta` requests: later spends (`delta > 0`), earlier gives back, never before now. */
export function adjustGcra(
  policy: GcraPolicy,
  state: GcraState | undefined,
  now: number,
  delta: number,
): GcraState {
  const arrival =
    state !== undefined && state.theoreticalArrival > now ? state.theoreticalArrival : now;
  return {
    algorithm: 'gcra',
    theoreticalArrival: Math.max(now, arrival + delta * emissionInterval(policy)),
    blockedUntil: activeBlock(state, now),
  };
}

/** Epoch ms after which the state no longer matters: the bucket is empty again. */
export function gcraEnd(state: GcraState): number {
  return state.theoreticalArrival;
}

/** Milliseconds between two requests at the sustained rate. */
function emissionInterval(policy: GcraPolicy): number {
  return policy.windowMs / policy.limit;
}
