import { RampartConfigError } from '@rampart/core';

/** How a policy counts. See the README's "algorithms compared". */
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window' | 'gcra';

/** One named limit, e.g. `burst: { limit: 10, windowMs: 1000 }`. */
export interface RateLimitPolicy {
  /** Default `'sliding-window'`. */
  algorithm?: RateLimitAlgorithm;
  /** Requests (cost units) allowed per window. Whole number, 1 to 1e9. */
  limit: number;
  /** The window, in milliseconds: a whole number of seconds (the headers speak seconds), 1 s to 366 days. */
  windowMs: number;
  /**
   * GCRA only: how many requests may arrive at once, default `limit`. The bucket refills one
   * request every `windowMs / limit` ms.
   */
  burst?: number;
  /**
   * After this policy refuses a request, refuse every request of that client on the route for
   * this long (brute-force lockout). Whole milliseconds, default 0 (no block).
   */
  blockMs?: number;
}

/** Algorithm codes shared with the Lua script and the SQL function: keep them in sync. */
export const ALGORITHM_CODE = {
  'fixed-window': 1,
  'sliding-window': 2,
  gcra: 3,
} as const satisfies Record<RateLimitAlgorithm, number>;

/** A validated policy with everything a check needs precomputed. Frozen. */
export interface ResolvedPolicy {
  readonly name: string;
  readonly algorithm: RateLimitAlgorithm;
  readonly code: 1 | 2 | 3;
  readonly limit: number;
  readonly windowMs: number;
  /** GCRA burst; equals `limit` for the window algorithms. */
  readonly burst: number;
  readonly blockMs: number;
  /** The advertised quota (`q`): `limit`, or `burst` for GCRA. */
  readonly quota: number;
  /** `"burst";q=10;w=1`: this policy's item of the `RateLimit-Policy` field. */
  readonly policyItem: string;
  /** `"burst";r=`: the start of this policy's item of the `RateLimit` field. */
  readonly limitItemPrefix: string;
}

/** A policy name: it appears quoted in headers, in keys and in events, so it stays plain. */
const POLICY_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** The longest window or block a policy may have: a leap year. */
export const MAX_WINDOW_MS = 366 * 86_400_000;
const MAX_LIMIT = 1e9;

function wholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/**
 * Validates one policy and precomputes its header items. Throws `RampartConfigError` naming the
 * option (`policies.burst.windowMs`).
 */
export function resolvePolicy(
  owner: string,
  name: string,
  policy: RateLimitPolicy,
): ResolvedPolicy {
  const path = `${owner}.policies.${name}`;
  if (!POLICY_NAME.test(name)) {
    throw new RampartConfigError(
      `${owner}.policies`,
      `policy name ${JSON.stringify(name)} must be 1-32 lower-case letters, digits, _ or -, starting with a letter.`,
    );
  }
  if (policy === null || typeof policy !== 'object') {
    throw new RampartConfigError(path, 'must be an object { limit, windowMs, algorithm? }.');
  }
  const known = new Set(['algorithm', 'limit', 'windowMs', 'burst', 'blockMs']);
  for (const key of Object.keys(policy)) {
    if (!known.has(key)) throw new RampartConfigError(`${path}.${key}`, 'is not a policy option.');
  }
  const algorithm = policy.algorithm ?? 'sliding-window';
  if (!Object.hasOwn(ALGORITHM_CODE, algorithm)) {
    throw new RampartConfigError(
      `${path}.algorithm`,
      "must be 'fixed-window', 'sliding-window' or 'gcra'.",
    );
  }
  if (!wholeNumber(policy.limit, 1, MAX_LIMIT)) {
    throw new RampartConfigError(`${path}.limit`, 'must be a whole number from 1 to 1e9.');
  }
  if (!wholeNumber(policy.windowMs, 1000, MAX_WINDOW_MS) || policy.windowMs % 1000 !== 0) {
    throw new RampartConfigError(
      `${path}.windowMs`,
      'must be a whole number of seconds in milliseconds (1000 to 366 days).',
    );
  }
  if (policy.burst !== undefined && algorithm !== 'gcra') {
    throw new RampartConfigError(`${path}.burst`, "applies only to algorithm 'gcra'.");
  }
  const burst = policy.burst ?? policy.limit;
  if (!wholeNumber(burst, 1, MAX_LIMIT)) {
    throw new RampartConfigError(`${path}.burst`, 'must be a whole number from 1 to 1e9.');
  }
  const blockMs = policy.blockMs ?? 0;
  if (!wholeNumber(blockMs, 0, MAX_WINDOW_MS)) {
    throw new RampartConfigError(`${path}.blockMs`, 'must be a whole number of milliseconds >= 0.');
  }
  // The advertised quota of a GCRA policy is its burst: what a client may send right now.
  const quota = algorithm === 'gcra' ? burst : policy.limit;
  return Object.freeze({
    name,
    algorithm,
    code: ALGORITHM_CODE[algorithm],
    limit: policy.limit,
    windowMs: policy.windowMs,
    burst,
    blockMs,
    quota,
    policyItem: `"${name}";q=${quota};w=${policy.windowMs / 1000}`,
    limitItemPrefix: `"${name}";r=`,
  });
}

/** Validates a map of policies; at least one, at most 8 (one store operation covers them all). */
export function resolvePolicies(
  owner: string,
  policies: Readonly<Record<string, RateLimitPolicy>> | undefined,
): readonly ResolvedPolicy[] {
  if (policies === null || typeof policies !== 'object') {
    throw new RampartConfigError(
      `${owner}.policies`,
      'is required: an object of named policies, e.g. { burst: { limit: 10, windowMs: 1000 } }.',
    );
  }
  const names = Object.keys(policies);
  if (names.length < 1 || names.length > 8) {
    throw new RampartConfigError(`${owner}.policies`, 'must name 1 to 8 policies.');
  }
  return Object.freeze(
    names.map((name) => resolvePolicy(owner, name, policies[name] as RateLimitPolicy)),
  );
}
