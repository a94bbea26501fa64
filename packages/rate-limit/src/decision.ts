import type { PolicyOutcome } from './algorithms/state.js';
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
  outcome: 'allowed' | 'fallback',
  policyField: string,
): RateLimitDecision {
  const policies = key.policies;
  // Most routes have one policy: its decision without the loop (a tenth of an in-memory check).
  if (policies.length === 1)
    return onePolicyDecision(key, outcomes[0] as PolicyOutcome, outcome, policyField);
  // Sized at once: growing an empty array by push cost a tenth of an in-memory check.
  const results = new Array<PolicyResult>(policies.length);
  let refusing: PolicyResult | undefined;
  let tightest: PolicyResult | undefined;
  for (let i = 0; i < policies.length; i++) {
    const result = resultOf(policies[i] as ResolvedPolicy, outcomes[i] as PolicyOutcome);
    results[i] = result;
    // The longest wait is the one that decides when a retry can pass.
    if (!result.allowed && (refusing === undefined || result.retryAfterMs > refusing.retryAfterMs))
      refusing = result;
    if (tightest === undefined || result.remaining < tightest.remaining) tightest = result;
  }
  return {
    allowed: refusing === undefined,
    outcome: refusing === undefined ? outcome : 'limited',
    policy: (refusing ?? tightest)?.name,
    retryAfterMs: refusing?.retryAfterMs ?? 0,
    policies: results,
    tightest,
    policyField,
    key,
  };
}

function onePolicyDecision(
  key: RateLimitKey,
  outcome: PolicyOutcome,
  countedAs: 'allowed' | 'fallback',
  policyField: string,
): RateLimitDecision {
  const result = resultOf(key.policies[0] as ResolvedPolicy, outcome);
  const { allowed, name } = result;
  return {
    allowed,
    outcome: allowed ? countedAs : 'limited',
    policy: name,
    retryAfterMs: allowed ? 0 : result.retryAfterMs,
    policies: [result],
    tightest: result,
    policyField,
    key,
  };
}

function resultOf(policy: ResolvedPolicy, outcome: PolicyOutcome): PolicyResult {
  const { allowed, remaining, resetMs, retryAfterMs } = outcome;
  return {
    policy,
    name: policy.name,
    allowed,
    quota: policy.quota,
    remaining,
    // A refusing policy's quota is back no sooner than a retry passes: a sliding window's
    // weighted count can outlast the window (`t` of the RateLimit field must not undercut
    // Retry-After; a block already stretches both alike).
    resetMs: allowed || retryAfterMs <= resetMs ? resetMs : retryAfterMs,
    retryAfterMs,
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

/** The decision while the store is down and `onStoreError` is `'fail-open'` (the key is added). */
export const FAILED_OPEN: RateLimitDecision = Object.freeze({ ...SKIPPED, outcome: 'fail-open' });
