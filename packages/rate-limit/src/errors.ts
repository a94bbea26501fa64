import { RampartError } from '@rampart/core';
import type { RateLimitDecision } from './decision.js';
import { toSeconds } from './headers.js';

/** The code of every 429 this package sends. */
export const RATE_LIMIT_EXCEEDED = 'ERR_RATE_LIMIT_EXCEEDED';

/**
 * The 429 problem for a refused decision: `policy` names the policy that tripped, `retryAfter`
 * the seconds to wait; `Retry-After` is among its headers unless switched off.
 */
export function rateLimitExceededError(
  decision: RateLimitDecision,
  retryAfterHeader = true,
): RampartError {
  const retryAfter = Math.max(1, toSeconds(decision.retryAfterMs));
  const policy = decision.policy ?? 'unknown';
  return new RampartError({
    status: 429,
    code: RATE_LIMIT_EXCEEDED,
    title: 'Too many requests',
    detail: `The rate limit "${policy}" of this endpoint is exhausted. Retry after ${retryAfter} seconds.`,
    ...(retryAfterHeader ? { headers: { 'Retry-After': String(retryAfter) } } : {}),
    extensions: { policy, retryAfter },
  });
}
