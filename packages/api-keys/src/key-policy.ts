import {
  type PolicyResult,
  type RateLimitDecision,
  writeRateLimitHeaders,
} from '@rampart/rate-limit';
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

/**
 * The validated policy of a limit (cached per name, limit and window), named `"api-key"` unless
 * told (the failure throttle's is `"api-key-failures"`). Throws `RampartConfigError`.
 */
export function keyPolicy(rateLimit: ApiKeyRateLimit, name = KEY_POLICY_NAME): ResolvedPolicy {
  const cacheKey = `${name}/${rateLimit.limit}/${rateLimit.windowMs}`;
  let policy = policies.get(cacheKey);
  if (policy === undefined) {
    policy = resolvePolicy(name, {
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
 * A key's counter as rate-limit's decision (one policy, `"api-key"`, or `name`: the failure
 * throttle's `"api-key-failures"`), so rate-limit's header writer, not a second formatter, turns
 * it into `RateLimit-Policy`, `RateLimit`, `X-RateLimit-*` and `Retry-After`. Refused when the
 * outcome asks the client to wait.
 */
export function keyLimitDecision(
  outcome: ApiKeyRateLimitOutcome,
  name = KEY_POLICY_NAME,
): RateLimitDecision {
  const policy = keyPolicy({ limit: outcome.limit, windowMs: outcome.windowMs }, name);
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

/** The draft's two fields only: the package's 429s add their own `Retry-After`. */
const DRAFT_FIELDS = Object.freeze({ standard: true, legacy: false, retryAfter: false });

/** rate-limit writes lower-case names; this package's error headers keep their usual spelling. */
const SPELLING: Readonly<Record<string, string>> = Object.freeze({
  'ratelimit-policy': 'RateLimit-Policy',
  ratelimit: 'RateLimit',
});

function setSpelled(record: Record<string, string>, name: string, value: string): void {
  record[SPELLING[name] ?? name] = value;
}

/**
 * The IETF rate-limit fields of a counter (`RateLimit-Policy: "api-key";q=1000;w=3600`,
 * `RateLimit: "api-key";r=999;t=1800`), written by rate-limit's writer from
 * {@link keyLimitDecision}.
 */
export function keyRateLimitHeaders(
  outcome: ApiKeyRateLimitOutcome,
  name = KEY_POLICY_NAME,
): Record<string, string> {
  const headers: Record<string, string> = {};
  writeRateLimitHeaders(keyLimitDecision(outcome, name), DRAFT_FIELDS, headers, setSpelled);
  return headers;
}
