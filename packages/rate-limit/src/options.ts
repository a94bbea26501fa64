import {
  type ClientIpResolver,
  type Clock,
  clockSchema,
  createClientIpResolver,
  type SecurityEventHandler,
  turnClock,
} from '@rampart/core';
import { z } from 'zod';
import type { RateLimitHeaderOptions } from './headers.js';
import { IdentityPatterns, identityPatternSchema } from './identity-patterns.js';
import { compileIdentity, type KeySource } from './keys.js';
import {
  policiesSchema,
  policyChangeSchema,
  policyOptions,
  policySchema,
  type RateLimitPolicy,
  type ResolvedPolicy,
  toResolvedPolicy,
} from './policy.js';
import type { RateLimitRequest } from './request.js';
import type { RateLimitStore } from './store.js';
import { MemoryRateLimitStore } from './stores/memory.js';

/** What a limiter does when its store fails (Redis down, a timeout). */
export type OnStoreError = 'fail-closed' | 'fail-open' | { fallback: RateLimitStore };

/** Per-identity changes to named policies: new limits, or `'unlimited'` to exempt the client. */
export type PolicyOverride =
  | Readonly<Record<string, Partial<Omit<RateLimitPolicy, 'algorithm'>>>>
  | 'unlimited';

/** Options of `createRateLimiter` (and of the Express and Fastify adapters). */
export interface RateLimiterOptions {
  /** The named policies checked together on every request, e.g. `{ burst: {…}, daily: {…} }`. */
  policies: Readonly<Record<string, RateLimitPolicy>>;
  /** Who is counted; default `'ip'`. See `KeySource`. */
  key?: KeySource | readonly KeySource[];
  /** Cost units a request spends: a whole number >= 1, or a function of the request. Default 1. */
  cost?: number | ((request: RateLimitRequest) => number);
  /**
   * Counters are kept per `METHOD /matched/route` (never the raw path). A fixed `scope` makes
   * every route using this limiter share one bucket per client (e.g. `'login'`).
   */
  scope?: string;
  /** Where counters live; default a `MemoryRateLimitStore`. */
  store?: RateLimitStore;
  /** Per-identity overrides: `{ 'user:42': { daily: { limit: 10_000 } }, 'api-key:*': … }`. Exact beats wildcard beats default. */
  overrides?: Readonly<Record<string, PolicyOverride>>;
  /** Identities or key parts never limited (`10.0.0.5`, `api-key:internal-*`). */
  allowList?: readonly string[];
  /** Requests for which the limiter does nothing (health checks …). */
  skip?: (request: RateLimitRequest) => boolean;
  headers?: RateLimitHeaderOptions;
  /** Default `'fail-closed'` (503 while the store is down). */
  onStoreError?: OnStoreError;
  /** After a store failure, how long to answer by `onStoreError` before trying the store again. Default 1000 ms. */
  storeRetryMs?: number;
  onEvent?: SecurityEventHandler;
  /**
   * Where time comes from. Default core's `turnClock`: the wall clock read once per event-loop
   * turn (and every 64 reads within a long one); it may lag by the current turn, so windows,
   * refills and blocks shift by at most that (milliseconds). `systemClock` reads `Date.now()` on
   * every check.
   */
  clock?: Clock;
  /**
   * Resolves and groups client IPs (core's `createClientIpResolver` fits). Default: what the
   * request says (`rampartCore` resolves it on both frameworks), else no trusted proxies and
   * IPv6 grouped by /64.
   */
  clientIp?: ClientIpResolver;
}

/** The options of a limiter after validation: everything a check needs, precomputed. Frozen. */
export interface LimiterConfig {
  readonly policies: readonly ResolvedPolicy[];
  readonly identity: (request: RateLimitRequest) => string;
  /** `key: 'ip'`: the identity depends on `request.ip` alone. */
  readonly identityIsIp: boolean;
  readonly cost: number | ((request: RateLimitRequest) => number);
  readonly scope: string | undefined;
  readonly store: RateLimitStore;
  readonly overrides: IdentityPatterns<readonly ResolvedPolicy[] | 'unlimited'>;
  readonly allowList: IdentityPatterns<true>;
  readonly skip: ((request: RateLimitRequest) => boolean) | undefined;
  readonly headers: Required<RateLimitHeaderOptions>;
  readonly onStoreError: 'fail-closed' | 'fail-open' | RateLimitStore;
  readonly storeRetryMs: number;
  readonly onEvent: SecurityEventHandler | undefined;
  readonly clock: Clock;
  /** The limiter's own resolver (the `clientIp` option), else `undefined`: the request decides. */
  readonly clientIp: ClientIpResolver | undefined;
  /**
   * The limiter may read the request's principal or body: a key on the principal, or a function
   * of the request (`key`, `cost`, `skip`). Adapters read them from the framework only then.
   */
  readonly readsPrincipalOrBody: boolean;
}

const MAX_COST = 1e6;
const COST_MESSAGE = 'must be a whole number from 1 to 1e6 or a function (request) => number.';

/**
 * `first` for values `isFirst` accepts, else `second`: a union that reports the issues of the
 * schema the value was meant for (zod's own union reports "Invalid input" at the union).
 */
function either<First extends z.ZodType, Second extends z.ZodType>(
  isFirst: (value: unknown) => boolean,
  first: First,
  second: Second,
) {
  return z.unknown().transform((value, context): z.output<First> | z.output<Second> => {
    const result = (isFirst(value) ? first : second).safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues)
      context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  });
}

function functionSchema<F>(message: string) {
  return z.custom<F>((value) => typeof value === 'function', message);
}

const keySourceSchema = z.union(
  [
    z.literal('ip'),
    z.literal('principal'),
    functionSchema<(request: RateLimitRequest) => string | undefined>(''),
  ],
  { error: "must be 'ip', 'principal' or a function (request) => string." },
);

const storeSchema = z.custom<RateLimitStore>((value) => {
  const store = value as Partial<Record<keyof RateLimitStore, unknown>> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    (['hit', 'peek', 'adjust', 'reset'] as const).every(
      (method) => typeof store[method] === 'function',
    )
  );
}, 'must be a RateLimitStore (hit, peek, adjust and reset).');

const overrideSchema = either(
  (value) => typeof value === 'string',
  z.literal('unlimited', { error: "must be 'unlimited' or { policyName: { limit, … } }." }),
  z.record(z.string(), policyChangeSchema, {
    error: "must be 'unlimited' or { policyName: { limit, … } }.",
  }),
);

/** Every option of `createRateLimiter`, validated; the adapters add their own beside them. */
export const limiterOptionsShape = {
  policies: policiesSchema,
  key: either(
    Array.isArray,
    z
      .array(keySourceSchema)
      .min(1, 'must list 1 to 4 key sources.')
      .max(4, 'must list 1 to 4 key sources.'),
    keySourceSchema,
  ).default('ip'),
  cost: either(
    (value) => typeof value === 'function',
    functionSchema<(request: RateLimitRequest) => number>(''),
    z
      .number({ error: COST_MESSAGE })
      .refine((cost) => Number.isSafeInteger(cost) && cost >= 1 && cost <= MAX_COST, COST_MESSAGE),
  ).default(1),
  scope: z
    .string({ error: 'must be 1-128 printable ASCII characters.' })
    .regex(/^[!-~][ -~]{0,127}$/, 'must be 1-128 printable ASCII characters.')
    .optional(),
  store: storeSchema.optional(),
  overrides: z.record(identityPatternSchema, overrideSchema).default({}),
  allowList: z
    .array(identityPatternSchema, { error: 'must be an array of identity patterns.' })
    .default([]),
  skip: functionSchema<(request: RateLimitRequest) => boolean>('must be a function.').optional(),
  headers: z
    .strictObject({
      standard: z.boolean().default(true),
      legacy: z.boolean().default(false),
      retryAfter: z.boolean().default(true),
    })
    .default({ standard: true, legacy: false, retryAfter: true }),
  onStoreError: either(
    (value) => typeof value === 'object' && value !== null,
    z.strictObject({ fallback: storeSchema }),
    z.enum(['fail-closed', 'fail-open'], {
      error: "must be 'fail-closed', 'fail-open' or { fallback: MemoryRateLimitStore }.",
    }),
  ).default('fail-closed'),
  storeRetryMs: z.number().int().min(0).max(600_000).default(1000),
  onEvent: functionSchema<SecurityEventHandler>('must be a function.').optional(),
  clock: clockSchema.optional(),
  clientIp: z
    .custom<ClientIpResolver>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as Partial<ClientIpResolver>).resolve === 'function' &&
        typeof (value as Partial<ClientIpResolver>).key === 'function',
      'must have resolve() and key(), like createClientIpResolver().',
    )
    .optional(),
};

type ParsedLimiterOptions = z.output<z.ZodObject<typeof limiterOptionsShape>>;

/**
 * The schema of a limiter's options, with `extra` options of an adapter beside them. Overrides
 * are checked against the policies: each names a policy of the limiter and, merged into it, is a
 * valid policy.
 */
export function limiterOptionsSchema<Extra extends z.ZodRawShape>(extra: Extra) {
  return z.strictObject({ ...limiterOptionsShape, ...extra }).superRefine((options, context) => {
    const { policies, overrides } = options as unknown as ParsedLimiterOptions;
    for (const [pattern, override] of Object.entries(overrides)) {
      if (override === 'unlimited') continue;
      for (const [name, change] of Object.entries(override)) {
        const path = ['overrides', pattern, name];
        const base = policies[name];
        if (base === undefined) {
          context.addIssue({ code: 'custom', path, message: 'is not a policy of this limiter.' });
          continue;
        }
        const merged = policySchema.safeParse(overridden(base, change));
        for (const issue of merged.error?.issues ?? []) {
          context.addIssue({
            code: 'custom',
            path: [...path, ...issue.path],
            message: issue.message,
          });
        }
      }
    }
  });
}

/** The options of `createRateLimiter`, validated. */
export const rateLimiterOptionsSchema = limiterOptionsSchema({});

/** A policy with an override's changes; a GCRA limit changed alone moves its burst with it. */
function overridden(
  base: RateLimitPolicy,
  change: Partial<Omit<RateLimitPolicy, 'algorithm'>>,
): RateLimitPolicy {
  const merged = { ...base, ...change };
  if (base.algorithm === 'gcra' && change.limit !== undefined && change.burst === undefined)
    merged.burst = change.limit;
  return merged;
}

/** Builds a limiter's configuration from options that passed {@link limiterOptionsSchema}. */
export function toLimiterConfig(options: ParsedLimiterOptions): LimiterConfig {
  // A limiter's policy lists are not frozen (their policies are): on Node 20 V8 reads a frozen
  // array's elements through its generic keyed load, ~9 % of an in-memory check, which reads one
  // in the store and one in the decision. Their type is readonly.
  const policies = Object.entries(options.policies).map(([name, policy]) =>
    toResolvedPolicy(name, policy),
  );
  const clock = options.clock ?? turnClock;
  const { fallback } = options.onStoreError as { fallback?: RateLimitStore };
  return Object.freeze({
    policies,
    identity: compileIdentity(options.key, options.clientIp ?? createClientIpResolver()),
    identityIsIp: options.key === 'ip',
    cost: options.cost,
    scope: options.scope,
    store: options.store ?? new MemoryRateLimitStore({ clock }),
    overrides: new IdentityPatterns(
      Object.entries(options.overrides).map(([pattern, override]) => [
        pattern,
        override === 'unlimited' ? ('unlimited' as const) : overriddenPolicies(policies, override),
      ]),
    ),
    allowList: new IdentityPatterns(options.allowList.map((pattern) => [pattern, true] as const)),
    skip: options.skip,
    headers: Object.freeze({ ...options.headers }),
    onStoreError: fallback ?? (options.onStoreError as 'fail-closed' | 'fail-open'),
    storeRetryMs: options.storeRetryMs,
    onEvent: options.onEvent,
    clock,
    clientIp: options.clientIp,
    readsPrincipalOrBody:
      [options.key].flat().some((source) => source !== 'ip') ||
      typeof options.cost === 'function' ||
      options.skip !== undefined,
  });
}

function overriddenPolicies(
  policies: readonly ResolvedPolicy[],
  override: Readonly<Record<string, Partial<Omit<RateLimitPolicy, 'algorithm'>>>>,
): readonly ResolvedPolicy[] {
  // Not frozen, as the limiter's own list (see toLimiterConfig).
  return policies.map((policy) => {
    const change = override[policy.name];
    if (change === undefined) return policy;
    return toResolvedPolicy(
      policy.name,
      policySchema.parse(overridden(policyOptions(policy), change)),
    );
  });
}
