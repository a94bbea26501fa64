import type { PolicyResult, RateLimitDecision } from '@rampart/rate-limit';
import {
  evaluatePolicy,
  type FixedWindowState,
  type ResolvedPolicy,
  resolvePolicy,
} from '@rampart/rate-limit/store';
import { KEY_POLICY_NAME } from './errors.js';
import type { ApiKeyRateLimit, ApiKeyRateLimitOutcome } from './store.js';

/**
 * A key's rate limit as a `@rampart/rate-limit` policy: a fixed window (exact, one counter, the
 * "N requests left" a client can be told), validated by rate-limit's own policy rules. The
 * Redis script and the Postgres statement repeat its arithmetic (`checkFixedWindow`); the
 * conformance suite holds every store to it.
 */
const policies = new Map<string, ResolvedPolicy>();

/** The validated policy of a limit (cached per limit and window). Throws `RampartConfigError`. */
export function keyPolicy(rateLimit: ApiKeyRateLimit): ResolvedPolicy {
  const cacheKey = `${rateLimit.limit}/${rateLimit.windowMs}`;
  let policy = policies.get(cacheKey);
  if (policy === undefined) {
    policy = resolvePolicy(KEY_POLICY_NAME, {
      algorithm: 'fixed-window',
      limit: rateLimit.limit,
      windowMs: rateLimit.windowMs,
    });
    // Bounded: a service sees few distinct limits; past that, resolve each time.
    if (policies.size < 1000) policies.set(cacheKey, policy);
  }
  return policy;
}

/**
 * One check of a key's counter in memory (`policy` from {@link keyPolicy}): rate-limit's fixed
 * window, counting only if allowed.
 */
export function checkKeyLimit(
  policy: ResolvedPolicy,
  state: FixedWindowState | undefined,
  now: number,
  cost: number,
): { outcome: ApiKeyRateLimitOutcome; next: FixedWindowState | undefined } {
  const evaluation = evaluatePolicy(policy, state, now, cost);
  return {
    outcome: {
      limit: policy.limit,
      windowMs: policy.windowMs,
      remaining: evaluation.remaining,
      resetMs: evaluation.resetMs,
      retryAfterMs: evaluation.retryAfterMs,
    },
    next: evaluation.allowed && cost > 0 ? (evaluation.next as FixedWindowState) : undefined,
  };
}

/**
 * A key's counter as rate-limit's decision (one policy, `"api-key"`), so rate-limit's header
 * writer, not a second formatter, turns it into `RateLimit-Policy`, `RateLimit`, `X-RateLimit-*`
 * and `Retry-After`. Refused when the outcome asks the client to wait.
 */
export function keyLimitDecision(outcome: ApiKeyRateLimitOutcome): RateLimitDecision {
  const policy = keyPolicy({ limit: outcome.limit, windowMs: outcome.windowMs });
  const allowed = outcome.retryAfterMs === 0;
  const result: PolicyResult = {
    policy,
    name: policy.name,
    allowed,
    quota: policy.quota,
    remaining: outcome.remaining,
    resetMs: outcome.resetMs,
    retryAfterMs: outcome.retryAfterMs,
  };
  return {
    allowed,
    outcome: allowed ? 'allowed' : 'limited',
    policy: policy.name,
    retryAfterMs: outcome.retryAfterMs,
    policies: [result],
    tightest: result,
    policyField: policy.policyItem,
    key: undefined,
  };
}
