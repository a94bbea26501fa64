import {
  type PolicyResult,
  type RateLimitDecision,
  writeRateLimitHeaders,
} from '@rampart/rate-limit';
import {
  evaluatePolicy,
  type FixedWindowState,
  newEvaluation,
  type PolicyEvaluation,
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

/** A key's counter as the memory store holds it: rewritten in place by {@link checkKeyLimit}. */
export type KeyCounter = { -readonly [Field in keyof FixedWindowState]: FixedWindowState[Field] };

/** The counter of a key never checked: no window matches its start, so every count is 0. */
export function newKeyCounter(): KeyCounter {
  return { algorithm: 'fixed-window', windowStart: Number.NaN, count: 0, blockedUntil: 0 };
}

/** What rate-limit's fixed window writes into: one for every check (they are synchronous). */
const evaluation: PolicyEvaluation = newEvaluation();

/**
 * One check of a key's counter in memory (`policy` from {@link keyPolicy}): rate-limit's fixed
 * window, counting in `counter` only if allowed. Allocates nothing but the outcome it returns.
 */
export function checkKeyLimit(
  policy: ResolvedPolicy,
  counter: KeyCounter,
  now: number,
  cost: number,
): ApiKeyRateLimitOutcome {
  evaluatePolicy(policy, counter, now, cost, evaluation);
  if (evaluation.allowed && cost > 0) {
    const next = evaluation.next as FixedWindowState;
    counter.windowStart = next.windowStart;
    counter.count = next.count;
    counter.blockedUntil = next.blockedUntil;
  }
  return {
    limit: policy.limit,
    windowMs: policy.windowMs,
    remaining: evaluation.remaining,
    resetMs: evaluation.resetMs,
    retryAfterMs: evaluation.retryAfterMs,
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
