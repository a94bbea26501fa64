import type { ClientIpResolver, Clock, SecurityEventHandler } from '@rampart/core';
import {
  assertKnownOptions,
  createClientIpResolver,
  RampartConfigError,
  turnClock,
} from '@rampart/core';
import type { RateLimitHeaderOptions } from './headers.js';
import { IdentityPatterns } from './identity-patterns.js';
import { compileIdentity, type KeySource } from './keys.js';
import {
  type RateLimitPolicy,
  type ResolvedPolicy,
  resolvePolicies,
  resolvePolicy,
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
  /** Resolves and groups client IPs (core's `createClientIpResolver` fits). Default: no trusted proxies, IPv6 by /64. */
  clientIp?: ClientIpResolver;
}

/** The options after validation, frozen, with everything precomputed. */
export interface ResolvedOptions {
  readonly policies: readonly ResolvedPolicy[];
  readonly identity: (request: RateLimitRequest) => string;
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
  readonly clientIp: ClientIpResolver;
}

const KNOWN: readonly string[] = Object.freeze([
  'policies',
  'key',
  'cost',
  'scope',
  'store',
  'overrides',
  'allowList',
  'skip',
  'headers',
  'onStoreError',
  'storeRetryMs',
  'onEvent',
  'clock',
  'clientIp',
]);

function isStore(value: unknown): value is RateLimitStore {
  const store = value as RateLimitStore | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.hit === 'function' &&
    typeof store.peek === 'function'
  );
}

function optionalFunction(owner: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function')
    throw new RampartConfigError(`${owner}.${name}`, 'must be a function.');
}

/** Validates limiter options once, at construction; `owner` names them in errors. */
export function resolveOptions(
  owner: string,
  options: RateLimiterOptions,
  extraKeys: readonly string[] = [],
): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw new RampartConfigError(owner, 'options are required.');
  assertKnownOptions(owner, options, [...KNOWN, ...extraKeys]);
  const policies = resolvePolicies(owner, options.policies);
  const clientIp = options.clientIp ?? createClientIpResolver();
  if (typeof clientIp.resolve !== 'function' || typeof clientIp.key !== 'function') {
    throw new RampartConfigError(
      `${owner}.clientIp`,
      'must have resolve() and key(), like createClientIpResolver().',
    );
  }
  const cost = options.cost ?? 1;
  if (typeof cost !== 'function' && !(Number.isSafeInteger(cost) && cost >= 1 && cost <= 1e6)) {
    throw new RampartConfigError(
      `${owner}.cost`,
      'must be a whole number from 1 to 1e6 or a function.',
    );
  }
  if (
    options.scope !== undefined &&
    (typeof options.scope !== 'string' || !/^[!-~][ -~]{0,127}$/.test(options.scope))
  ) {
    throw new RampartConfigError(`${owner}.scope`, 'must be 1-128 printable ASCII characters.');
  }
  const store =
    options.store ??
    new MemoryRateLimitStore({ ...(options.clock ? { clock: options.clock } : {}) });
  if (!isStore(store)) throw new RampartConfigError(`${owner}.store`, 'must be a RateLimitStore.');
  const onStoreError = options.onStoreError ?? 'fail-closed';
  let storePolicy: ResolvedOptions['onStoreError'];
  if (onStoreError === 'fail-closed' || onStoreError === 'fail-open') storePolicy = onStoreError;
  else if (
    typeof onStoreError === 'object' &&
    onStoreError !== null &&
    isStore(onStoreError.fallback)
  )
    storePolicy = onStoreError.fallback;
  else
    throw new RampartConfigError(
      `${owner}.onStoreError`,
      "must be 'fail-closed', 'fail-open' or { fallback: MemoryRateLimitStore }.",
    );
  const storeRetryMs = options.storeRetryMs ?? 1000;
  if (!Number.isSafeInteger(storeRetryMs) || storeRetryMs < 0 || storeRetryMs > 600_000) {
    throw new RampartConfigError(
      `${owner}.storeRetryMs`,
      'must be a whole number of milliseconds from 0 to 600000.',
    );
  }
  optionalFunction(owner, 'skip', options.skip);
  optionalFunction(owner, 'onEvent', options.onEvent);
  const headers = options.headers ?? {};
  for (const name of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[name];
    if (!['standard', 'legacy', 'retryAfter'].includes(name) || typeof value !== 'boolean') {
      throw new RampartConfigError(
        `${owner}.headers.${name}`,
        'must be one of standard, legacy, retryAfter, set to a boolean.',
      );
    }
  }
  const allow = options.allowList ?? [];
  if (!Array.isArray(allow))
    throw new RampartConfigError(`${owner}.allowList`, 'must be an array of identity patterns.');
  return Object.freeze({
    policies,
    identity: compileIdentity(owner, options.key, clientIp),
    cost,
    scope: options.scope,
    store,
    overrides: resolveOverrides(owner, policies, options.overrides),
    allowList: new IdentityPatterns<true>(
      `${owner}.allowList`,
      allow.map((pattern) => [pattern, true] as const),
    ),
    skip: options.skip,
    headers: Object.freeze({
      standard: headers.standard ?? true,
      legacy: headers.legacy ?? false,
      retryAfter: headers.retryAfter ?? true,
    }),
    onStoreError: storePolicy,
    storeRetryMs,
    onEvent: options.onEvent,
    clock: options.clock ?? turnClock,
    clientIp,
  });
}

function resolveOverrides(
  owner: string,
  policies: readonly ResolvedPolicy[],
  overrides: RateLimiterOptions['overrides'],
): IdentityPatterns<readonly ResolvedPolicy[] | 'unlimited'> {
  const entries: Array<[string, readonly ResolvedPolicy[] | 'unlimited']> = [];
  for (const [pattern, override] of Object.entries(overrides ?? {})) {
    const option = `${owner}.overrides[${JSON.stringify(pattern)}]`;
    if (override === 'unlimited') {
      entries.push([pattern, 'unlimited']);
      continue;
    }
    if (override === null || typeof override !== 'object')
      throw new RampartConfigError(option, "must be 'unlimited' or { policyName: { limit, … } }.");
    for (const name of Object.keys(override)) {
      if (!policies.some((policy) => policy.name === name))
        throw new RampartConfigError(`${option}.${name}`, 'is not a policy of this limiter.');
    }
    entries.push([
      pattern,
      Object.freeze(
        policies.map((policy) => {
          const change = override[policy.name];
          if (change === undefined) return policy;
          if ('algorithm' in change)
            throw new RampartConfigError(
              `${option}.${policy.name}.algorithm`,
              'cannot be overridden: the stored state belongs to one algorithm.',
            );
          const base: RateLimitPolicy = {
            algorithm: policy.algorithm,
            limit: policy.limit,
            windowMs: policy.windowMs,
            blockMs: policy.blockMs,
          };
          if (policy.algorithm === 'gcra')
            base.burst =
              change.limit !== undefined && change.burst === undefined
                ? change.limit
                : policy.burst;
          return resolvePolicy(`${owner}.overrides`, policy.name, { ...base, ...change });
        }),
      ),
    ]);
  }
  return new IdentityPatterns(`${owner}.overrides`, entries);
}
