import type { PolicyResult, RateLimitDecision } from './decision.js';
import { appendListItems } from './field-lists.js';
import type { ResolvedPolicy } from './policy.js';

/** Which response headers a limiter sends; each switchable. */
export interface RateLimitHeaderOptions {
  /**
   * The IETF `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers
   * (-11): structured-field lists, one item per policy, e.g.
   * `RateLimit-Policy: "burst";q=10;w=1,"daily";q=1000;w=86400` and
   * `RateLimit: "burst";r=9;t=1,"daily";r=999;t=86400`. Default `true`.
   */
  standard?: boolean;
  /**
   * `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds), for the tightest policy. Default
   * `false`: they repeat what the IETF fields say, in three more headers on every response (the
   * configuration express-rate-limit's own README recommends). Turn on for clients that read them.
   */
  legacy?: boolean;
  /** `Retry-After` (seconds) on a 429. Default `true`. */
  retryAfter?: boolean;
}

/** Where adapters write a header: `res.setHeader` or `reply.header`. */
export type SetHeader = (name: string, value: string) => unknown;

/** The `RateLimit-Policy` field value of a policy list. */
export function policyFieldValue(policies: readonly ResolvedPolicy[]): string {
  // The draft's own examples join items with a bare comma, which every SF parser accepts.
  return policies.map((policy) => policy.policyItem).join(',');
}

/** Seconds, rounded up: a client told 0 would retry before the window turned. */
export function toSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/** The `RateLimit` field value: each policy's remaining quota `r` and effective window `t`. */
export function limitFieldValue(results: readonly PolicyResult[]): string {
  let value = '';
  for (let i = 0; i < results.length; i++) {
    const result = results[i] as PolicyResult;
    if (i > 0) value += ',';
    value += `${result.policy.limitItemPrefix}${result.remaining};t=${toSeconds(result.resetMs)}`;
  }
  return value;
}

/** Reads a header already on the response (`res.getHeader`, `reply.getHeader`). */
export type GetHeader<T> = (target: T, name: string) => unknown;

/**
 * Writes the decision's headers with `set(target, name, value)`. A skipped or store-less decision
 * writes none. The target is passed through (a `reply`, a `res`), so an adapter's setter is one
 * module-level function, not a closure made per request.
 *
 * With `get`, another limiter's headers already on the response are merged, not overwritten:
 * this decision's policies are appended to the `RateLimit-Policy` and `RateLimit` lists (an item
 * of the same name replaced); `X-RateLimit-*` describe the tightest limiter (least remaining; a
 * tie keeps the earlier one), or this one when it refuses, so they agree with `Retry-After`,
 * which is always the refusing limiter's.
 */
export function writeRateLimitHeaders<T>(
  decision: RateLimitDecision,
  options: Required<RateLimitHeaderOptions>,
  target: T,
  set: (target: T, name: string, value: string) => unknown,
  get?: GetHeader<T>,
): void {
  const results = decision.policies;
  if (results.length === 0) return;
  // Lower-case names: both frameworks store them so, and skip the conversion when already done.
  if (options.standard) {
    const earlier = get?.(target, 'ratelimit-policy');
    if (typeof earlier === 'string' && earlier !== '') {
      const names = results.map((result) => result.name);
      const limits = get?.(target, 'ratelimit');
      set(target, 'ratelimit-policy', appendListItems(earlier, decision.policyField, names));
      set(
        target,
        'ratelimit',
        appendListItems(typeof limits === 'string' ? limits : '', limitFieldValue(results), names),
      );
    } else {
      set(target, 'ratelimit-policy', decision.policyField);
      set(target, 'ratelimit', limitFieldValue(results));
    }
  }
  const tightest = decision.tightest as PolicyResult;
  if (options.legacy && (!decision.allowed || !tighterEarlier(tightest, target, get))) {
    set(target, 'x-ratelimit-limit', String(tightest.quota));
    set(target, 'x-ratelimit-remaining', String(tightest.remaining));
    set(target, 'x-ratelimit-reset', String(toSeconds(tightest.resetMs)));
  }
  if (options.retryAfter && !decision.allowed) {
    set(target, 'retry-after', String(Math.max(1, toSeconds(decision.retryAfterMs))));
  }
}

/** Whether an earlier limiter's `X-RateLimit-Remaining` is no more than this one's tightest. */
function tighterEarlier<T>(tightest: PolicyResult, target: T, get: GetHeader<T> | undefined) {
  if (get === undefined) return false;
  const earlier = get(target, 'x-ratelimit-remaining');
  if (earlier === undefined) return false;
  const remaining = Number(earlier);
  return Number.isFinite(remaining) && remaining <= tightest.remaining;
}

/** Calls a `SetHeader` given as the target of {@link writeRateLimitHeaders}. */
export function callSetHeader(set: SetHeader, name: string, value: string): unknown {
  return set(name, value);
}
