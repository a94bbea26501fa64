import type { PolicyOutcome } from './algorithms/evaluate.js';
import type { ResolvedPolicy } from './policy.js';
import type { RateLimitKey } from './store.js';

/** One policy's verdict on a request. */
export interface PolicyResult {
  readonly policy: ResolvedPolicy;
  readonly name: string;
  readonly allowed: boolean;
  /** The advertised quota (`q`): `limit`, or `burst` for GCRA. */
  readonly quota: number;
  readonly remaining: number;
  readonly resetMs: number;
  readonly retryAfterMs: number;
}

/**
 * What the limiter decided, on `req.rateLimit` / `request.rateLimit`.
 *
 * - `outcome`: `'allowed'`, `'limited'` (429), `'skipped'` (allow list or `skip`), `'fail-open'`
 *   (the store failed and `onStoreError: 'fail-open'` let it through uncounted) or `'fallback'`
 *   (counted by the fallback store while the main one is down).
 */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly outcome: 'allowed' | 'limited' | 'skipped' | 'fail-open' | 'fallback';
  /** The policy that refused, or else the tightest one; `undefined` when no policy ran. */
  readonly policy: string | undefined;
  /** Milliseconds until a retry could pass; 0 when allowed. */
  readonly retryAfterMs: number;
  /** Every policy of the route, in declaration order; empty when skipped or failed open. */
  readonly policies: readonly PolicyResult[];
  /** The policy with the least quota left (ties: the first), for the legacy headers. */
  readonly tightest: PolicyResult | undefined;
  /** The precomputed `RateLimit-Policy` value of the policies in force. */
  readonly policyField: string;
  /** Pass to `limiter.reset/reward/penalty/peek` to act on this client's counters. */
  readonly key: RateLimitKey | undefined;
}

/** Reduces the store's outcomes (in policy order) to the decision adapters act on. */
export function buildDecision(
  key: RateLimitKey,
  outcomes: readonly PolicyOutcome[],
  outcome: RateLimitDecision['outcome'],
  policyField: string,
): RateLimitDecision {
  const policies = key.policies;
  if (policies.length === 1) return singlePolicyDecision(key, outcomes, outcome, policyField);
  const results: PolicyResult[] = new Array(policies.length);
  let allowed = true;
  let refusing: PolicyResult | undefined;
  let tightest: PolicyResult | undefined;
  let retryAfterMs = 0;
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i] as ResolvedPolicy;
    const o = outcomes[i] as PolicyOutcome;
    const result: PolicyResult = {
      policy,
      name: policy.name,
      allowed: o.allowed,
      quota: policy.quota,
      remaining: o.remaining,
      resetMs: o.resetMs,
      retryAfterMs: o.retryAfterMs,
    };
    results[i] = result;
    if (!o.allowed) {
      allowed = false;
      // The longest wait is the one that decides when a retry can pass.
      if (refusing === undefined || o.retryAfterMs > retryAfterMs) refusing = result;
      if (o.retryAfterMs > retryAfterMs) retryAfterMs = o.retryAfterMs;
    }
    if (tightest === undefined || result.remaining < tightest.remaining) tightest = result;
  }
  return {
    allowed,
    outcome: allowed ? outcome : 'limited',
    policy: (refusing ?? tightest)?.name,
    retryAfterMs,
    policies: results,
    tightest,
    policyField,
    key,
  };
}

/** {@link buildDecision} for the common one-policy route: no array to fill, no loop. */
function singlePolicyDecision(
  key: RateLimitKey,
  outcomes: readonly PolicyOutcome[],
  outcome: RateLimitDecision['outcome'],
  policyField: string,
): RateLimitDecision {
  const policy = key.policies[0] as ResolvedPolicy;
  const o = outcomes[0] as PolicyOutcome;
  const allowed = o.allowed;
  const result: PolicyResult = {
    policy,
    name: policy.name,
    allowed,
    quota: policy.quota,
    remaining: o.remaining,
    resetMs: o.resetMs,
    retryAfterMs: o.retryAfterMs,
  };
  return {
    allowed,
    outcome: allowed ? outcome : 'limited',
    policy: policy.name,
    retryAfterMs: allowed ? 0 : o.retryAfterMs,
    policies: [result],
    tightest: result,
    policyField,
    key,
  };
}

/** The decision for a skipped or allow-listed request: no counter, no headers. */
export const SKIPPED: RateLimitDecision = Object.freeze({
  allowed: true,
  outcome: 'skipped',
  policy: undefined,
  retryAfterMs: 0,
  policies: Object.freeze([]),
  tightest: undefined,
  policyField: '',
  key: undefined,
});
