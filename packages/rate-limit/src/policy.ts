import { parseOptions } from '@rampart/core';
import { z } from 'zod';

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

/** What every validated policy has, whatever its algorithm. Frozen. */
interface PolicyCommon {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly blockMs: number;
  /** The advertised quota (`q`): `limit`, or `burst` for GCRA. */
  readonly quota: number;
  /** `"burst";q=10;w=1`: this policy's item of the `RateLimit-Policy` field. */
  readonly policyItem: string;
  /** `"burst";r=`: the start of this policy's item of the `RateLimit` field. */
  readonly limitItemPrefix: string;
}

export interface FixedWindowPolicy extends PolicyCommon {
  readonly algorithm: 'fixed-window';
}

export interface SlidingWindowPolicy extends PolicyCommon {
  readonly algorithm: 'sliding-window';
}

export interface GcraPolicy extends PolicyCommon {
  readonly algorithm: 'gcra';
  /** Requests that may arrive at once. */
  readonly burst: number;
}

/** A validated policy, told apart by `algorithm`, with its header items precomputed. */
export type ResolvedPolicy = FixedWindowPolicy | SlidingWindowPolicy | GcraPolicy;

/** The longest window or block a policy may have: a leap year. */
export const MAX_WINDOW_MS = 366 * 86_400_000;
const MAX_LIMIT = 1e9;
/** At most this many policies on a route: one store operation covers them all. */
export const MAX_POLICIES = 8;
/** A policy name: it appears quoted in headers, in keys and in events, so it stays plain. */
const POLICY_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

function wholeNumber(min: number, max: number, message: string) {
  return z
    .number({ error: message })
    .refine((value) => Number.isSafeInteger(value) && value >= min && value <= max, message);
}

const limitSchema = wholeNumber(1, MAX_LIMIT, 'must be a whole number from 1 to 1e9.');
const WINDOW_MESSAGE = 'must be a whole number of seconds in milliseconds (1000 to 366 days).';
const windowMsSchema = wholeNumber(1000, MAX_WINDOW_MS, WINDOW_MESSAGE).refine(
  (windowMs) => windowMs % 1000 === 0,
  WINDOW_MESSAGE,
);
const blockMsSchema = wholeNumber(
  0,
  MAX_WINDOW_MS,
  'must be a whole number of milliseconds from 0 to 366 days.',
);

/** The fields of a policy an override may change, each optional. */
export const policyChangeSchema = z.strictObject({
  algorithm: z
    .never({ error: 'cannot be overridden: the stored state belongs to one algorithm.' })
    .optional(),
  limit: limitSchema.optional(),
  windowMs: windowMsSchema.optional(),
  burst: limitSchema.optional(),
  blockMs: blockMsSchema.optional(),
});

/** One policy as given: validated, with its defaults. */
export const policySchema = z
  .strictObject({
    algorithm: z
      .enum(['fixed-window', 'sliding-window', 'gcra'], {
        error: "must be 'fixed-window', 'sliding-window' or 'gcra'.",
      })
      .default('sliding-window'),
    limit: limitSchema,
    windowMs: windowMsSchema,
    burst: limitSchema.optional(),
    blockMs: blockMsSchema.default(0),
  })
  .refine((policy) => policy.burst === undefined || policy.algorithm === 'gcra', {
    message: "applies only to algorithm 'gcra'.",
    path: ['burst'],
  });

/** A route's policies by name: 1 to 8, names of lower-case letters, digits, `_` and `-`. */
export const policiesSchema = z
  .record(z.string().regex(POLICY_NAME), policySchema, {
    error: (issue) =>
      issue.code === 'invalid_key'
        ? 'a policy name must be 1-32 lower-case letters, digits, _ or -, starting with a letter.'
        : issue.code === 'invalid_type'
          ? 'is required: an object of named policies, e.g. { burst: { limit: 10, windowMs: 1000 } }.'
          : undefined,
  })
  .refine((policies) => {
    const count = Object.keys(policies).length;
    return count >= 1 && count <= MAX_POLICIES;
  }, `must name 1 to ${MAX_POLICIES} policies.`);

/** A policy that passed {@link policySchema}. */
export type ValidPolicy = z.output<typeof policySchema>;

/** Freezes a validated policy with its precomputed header items. */
export function toResolvedPolicy(name: string, policy: ValidPolicy): ResolvedPolicy {
  const { algorithm, limit, windowMs, blockMs } = policy;
  // The advertised quota of a GCRA policy is its burst: what a client may send right now.
  const quota = algorithm === 'gcra' ? (policy.burst ?? limit) : limit;
  const policyItem = `"${name}";q=${quota};w=${windowMs / 1000}`;
  const limitItemPrefix = `"${name}";r=`;
  // One literal per shape, not `{ ...common, algorithm }`: V8 gave each spread copy a hidden class
  // of its own, so every new limiter deoptimised the check (1.3x a check's time in the bench).
  if (algorithm === 'gcra') {
    return Object.freeze({
      algorithm,
      name,
      limit,
      windowMs,
      blockMs,
      quota,
      policyItem,
      limitItemPrefix,
      burst: quota,
    });
  }
  return Object.freeze({
    algorithm,
    name,
    limit,
    windowMs,
    blockMs,
    quota,
    policyItem,
    limitItemPrefix,
  });
}

/**
 * Validates named policies as the `policies` option does and resolves them, in declaration
 * order: what a store receives in `RateLimitKey.policies`. For store tests and custom callers;
 * throws `RampartConfigError` naming the policy at fault.
 *
 * @example
 * const policies = resolvePolicies({ burst: { algorithm: 'gcra', limit: 10, windowMs: 1000 } });
 */
export function resolvePolicies(
  policies: Readonly<Record<string, RateLimitPolicy>>,
): readonly ResolvedPolicy[] {
  const valid = parseOptions('resolvePolicies', policiesSchema, policies);
  return Object.freeze(
    Object.entries(valid).map(([name, policy]) => toResolvedPolicy(name, policy)),
  );
}

/** The policy as options would state it: what an override starts from. */
export function policyOptions(policy: ResolvedPolicy): RateLimitPolicy {
  const { algorithm, limit, windowMs, blockMs } = policy;
  if (policy.algorithm === 'gcra')
    return { algorithm, limit, windowMs, blockMs, burst: policy.burst };
  return { algorithm, limit, windowMs, blockMs };
}

/**
 * Validates and resolves one named policy, as {@link resolvePolicies} does.
 *
 * @example
 * const burst = resolvePolicy('burst', { algorithm: 'gcra', limit: 10, windowMs: 1000 });
 */
export function resolvePolicy(name: string, policy: RateLimitPolicy): ResolvedPolicy {
  return resolvePolicies({ [name]: policy })[0] as ResolvedPolicy;
}
