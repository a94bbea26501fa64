import {
  emitEvent,
  isRampartError,
  RampartConfigError,
  type RampartError,
  StoreFullError,
  StoreUnavailableError,
} from '@rampart/core';
import type { PolicyOutcome } from './algorithms/evaluate.js';
import { buildDecision, type RateLimitDecision, SKIPPED } from './decision.js';
import { rateLimitExceededError } from './errors.js';
import { callSetHeader, policyFieldValue, writeRateLimitHeaders } from './headers.js';
import { isIpOnlyIdentity } from './keys.js';
import { type RateLimiterOptions, resolveOptions } from './options.js';
import type { ResolvedPolicy } from './policy.js';
import { evaluateRequest, type RateLimiter } from './rate-limiter.js';
import type { RateLimitRequest } from './request.js';
import {
  type RateLimitCheck,
  type RateLimitKey,
  type RateLimitStore,
  type ReusedRateLimitKey,
  reusableKey,
} from './store.js';

export { evaluateRequest, type RateLimiter };

const SOURCE = '@rampart/rate-limit';
const MAX_CACHED_ROUTES = 4096;
/** Keys remembered across all scopes; when full they are all forgotten (churn only costs a lookup). */
const MAX_CACHED_KEYS = 10_000;

/** A store that answers in process (the memory store). */
type SyncRateLimitStore = RateLimitStore & Required<Pick<RateLimitStore, 'hitSync'>>;

/**
 * The keys of one scope, by client: a check of a client seen before reuses its key object (and
 * the store's record on it) instead of building one. `null`: allow-listed or unlimited.
 */
interface ScopeKeys {
  readonly scope: string;
  /** `undefined` for scopes past the route cap (callers passing raw paths as routes). */
  readonly keys: Map<string, ReusedRateLimitKey | null> | undefined;
}

/**
 * Builds a limiter: validates everything once, precomputes header values, and returns the
 * object the adapters (and your own code) call.
 *
 * @example
 * const limiter = createRateLimiter({
 *   policies: { burst: { algorithm: 'gcra', limit: 10, windowMs: 1000 }, daily: { limit: 1000, windowMs: 86_400_000 } },
 *   key: 'principal',
 * });
 * const decision = await limiter.check(securityRequest);
 * if (!decision.allowed) throw limiter.exceededError(decision);
 */
export function createRateLimiter(
  options: RateLimiterOptions,
  owner = 'createRateLimiter',
): RateLimiter {
  const config = resolveOptions(owner, options);
  const { store, clock, onEvent } = config;
  const defaultPolicyField = policyFieldValue(config.policies);
  const overrideFields = new Map<readonly ResolvedPolicy[], string>();
  const scopes = new Map<string, Map<string, ScopeKeys>>();
  const scopeList: ScopeKeys[] = [];
  let cachedKeys = 0;
  const newScope = (scope: string): ScopeKeys => {
    const entry: ScopeKeys = { scope, keys: new Map() };
    scopeList.push(entry);
    return entry;
  };
  const fixedScope = config.scope === undefined ? undefined : newScope(config.scope);
  const globalScope = newScope('*');
  // Traffic comes in runs of one route: the last scope found is checked first.
  let lastRoute: string | undefined;
  let lastMethod: string | undefined;
  let lastScope: ScopeKeys = globalScope;
  // With `key: 'ip'` the identity depends on the IP alone: keys are found by the raw IP, and the
  // IP is neither grouped nor checked against the allow list and overrides again.
  const byIp = isIpOnlyIdentity(config.identity);
  const hasAllowList = !config.allowList.empty;
  const hasOverrides = !config.overrides.empty;
  // Called as a method, not through a bound copy: with more than one limiter in a process V8 no
  // longer specialises this closure on its context, and a bound function is then a call it cannot
  // inline (measured ~30 % of an in-memory check).
  const syncStore = store.hitSync === undefined ? undefined : (store as SyncRateLimitStore);
  // Read once: options are frozen, and a property read per check is work the JIT can only fold
  // away while one limiter exists in the process.
  const skip = config.skip;
  const fixedCost = typeof config.cost === 'number' ? config.cost : undefined;
  // The synchronous path fills one check object: the store reads it before returning.
  const syncCheck = { key: undefined as unknown as RateLimitKey, cost: 1, now: 0 };
  let storeDown = false;
  let retryStoreAt = 0;

  function keyFor(request: RateLimitRequest): RateLimitKey | undefined {
    if (skip !== undefined && skip(request) === true) return undefined;
    const scope = scopeOf(request.method, request.route);
    const keys = scope.keys;
    if (byIp && keys !== undefined) {
      const ip = request.ip;
      const known = keys.get(ip);
      if (known !== undefined) return known ?? undefined;
      return remember(keys, ip, newKey(scope.scope, config.identity(request)));
    }
    const identity = config.identity(request);
    if (keys === undefined) return newKey(scope.scope, identity) ?? undefined;
    const known = keys.get(identity);
    if (known !== undefined) return known ?? undefined;
    return remember(keys, identity, newKey(scope.scope, identity));
  }

  /** The key of a client not seen before, or `null` when it is allow-listed or unlimited. */
  function newKey(scope: string, identity: string): ReusedRateLimitKey | null {
    if (hasAllowList && isAllowListed(identity)) return null;
    let policies = config.policies;
    if (hasOverrides) {
      const override = config.overrides.match(identity);
      if (override === 'unlimited') return null;
      if (override !== undefined) policies = override;
    }
    return reusableKey(scope, identity, policies);
  }

  function remember(
    keys: Map<string, ReusedRateLimitKey | null>,
    client: string,
    key: ReusedRateLimitKey | null,
  ): ReusedRateLimitKey | undefined {
    if (cachedKeys >= MAX_CACHED_KEYS) {
      for (const scope of scopeList) scope.keys?.clear();
      cachedKeys = 0;
    }
    keys.set(client, key);
    cachedKeys++;
    return key ?? undefined;
  }

  /** The scope `METHOD /route` and its keys, found once per route and method. */
  function scopeOf(method: string, route: string | undefined): ScopeKeys {
    if (fixedScope !== undefined) return fixedScope;
    if (route === undefined) return globalScope;
    if (route === lastRoute && method === lastMethod) return lastScope;
    let byMethod = scopes.get(route);
    let scope = byMethod?.get(method);
    if (scope === undefined) {
      // Routes are finite; the cap only guards against callers passing raw paths as routes.
      if (scopes.size >= MAX_CACHED_ROUTES) return { scope: `${method} ${route}`, keys: undefined };
      scope = newScope(`${method} ${route}`);
      if (byMethod === undefined) {
        byMethod = new Map();
        scopes.set(route, byMethod);
      }
      byMethod.set(method, scope);
    }
    lastRoute = route;
    lastMethod = method;
    lastScope = scope;
    return scope;
  }

  function isAllowListed(identity: string): boolean {
    if (config.allowList.match(identity)) return true;
    if (!identity.includes('|')) return false;
    return identity.split('|').some((part) => config.allowList.match(part) === true);
  }

  function costOf(request: RateLimitRequest): number {
    const cost = (config.cost as (request: RateLimitRequest) => number)(request);
    if (!Number.isSafeInteger(cost) || cost < 1 || cost > 1e6) {
      throw new TypeError(
        `${owner}.cost returned ${String(cost)}; it must return a whole number from 1 to 1e6.`,
      );
    }
    return cost;
  }

  function policyField(policies: readonly ResolvedPolicy[]): string {
    if (policies === config.policies) return defaultPolicyField;
    let field = overrideFields.get(policies);
    if (field === undefined) {
      field = policyFieldValue(policies);
      overrideFields.set(policies, field);
    }
    return field;
  }

  function toDecision(
    key: RateLimitKey,
    outcomes: readonly PolicyOutcome[],
    outcome: RateLimitDecision['outcome'],
  ): RateLimitDecision {
    return buildDecision(key, outcomes, outcome, policyField(key.policies));
  }

  function finish(
    request: RateLimitRequest,
    decision: RateLimitDecision,
    mainStore: boolean,
  ): RateLimitDecision {
    if (storeDown && mainStore) {
      storeDown = false;
      emitEvent(onEvent, {
        type: 'STORE_RECOVERED',
        severity: 'info',
        at: clock.now(),
        source: SOURCE,
        detail: { store: store.name },
      });
    }
    if (!decision.allowed) {
      const event = {
        type: 'RATE_LIMIT_EXCEEDED',
        severity: 'warning',
        at: clock.now(),
        source: SOURCE,
        code: 'ERR_RATE_LIMIT_EXCEEDED',
        ip: request.ip,
        method: request.method,
        detail: { policy: decision.policy ?? '', scope: decision.key?.scope ?? '' },
      } as const;
      emitEvent(onEvent, request.route === undefined ? event : { ...event, route: request.route });
    }
    return decision;
  }

  function onStoreFailure(
    request: RateLimitRequest,
    check: RateLimitCheck,
    error: unknown,
  ): RateLimitDecision | Promise<RateLimitDecision> {
    if (error instanceof StoreFullError) {
      emitEvent(onEvent, {
        type: 'STORE_FULL',
        severity: 'critical',
        at: clock.now(),
        source: SOURCE,
        code: error.code,
        detail: { store: error.store, maxEntries: error.maxEntries },
      });
      throw error;
    }
    const unavailable = isRampartError(error)
      ? error
      : new StoreUnavailableError(store.name, error);
    retryStoreAt = clock.now() + config.storeRetryMs;
    if (!storeDown) {
      storeDown = true;
      emitEvent(onEvent, {
        type: 'STORE_UNAVAILABLE',
        severity: 'critical',
        at: clock.now(),
        source: SOURCE,
        code: unavailable.code,
        detail: {
          store: store.name,
          onStoreError: typeof config.onStoreError === 'string' ? config.onStoreError : 'fallback',
        },
      });
    }
    return degraded(request, check, unavailable);
  }

  function degraded(
    request: RateLimitRequest,
    check: RateLimitCheck,
    error: RampartError,
  ): RateLimitDecision | Promise<RateLimitDecision> {
    const policy = config.onStoreError;
    if (policy === 'fail-closed') throw error;
    if (policy === 'fail-open') {
      return {
        allowed: true,
        outcome: 'fail-open',
        policy: undefined,
        retryAfterMs: 0,
        policies: [],
        tightest: undefined,
        policyField: '',
        key: check.key,
      };
    }
    return runOn(policy, request, check, 'fallback');
  }

  function runOn(
    target: RateLimitStore,
    request: RateLimitRequest,
    check: RateLimitCheck,
    outcome: 'allowed' | 'fallback',
  ): RateLimitDecision | Promise<RateLimitDecision> {
    const main = target === store;
    if (target.hitSync !== undefined)
      return finish(request, toDecision(check.key, target.hitSync(check), outcome), main);
    return target
      .hit(check)
      .then((outcomes) => finish(request, toDecision(check.key, outcomes, outcome), main));
  }

  function evaluate(request: RateLimitRequest): RateLimitDecision | Promise<RateLimitDecision> {
    const key = keyFor(request);
    if (key === undefined) return SKIPPED;
    const cost = fixedCost ?? costOf(request);
    const now = clock.now();
    if (storeDown && now < retryStoreAt) {
      return degraded(request, { key, cost, now }, new StoreUnavailableError(store.name));
    }
    if (syncStore !== undefined) {
      syncCheck.key = key;
      syncCheck.cost = cost;
      syncCheck.now = now;
      try {
        return finish(request, toDecision(key, syncStore.hitSync(syncCheck), 'allowed'), true);
      } catch (error) {
        return onStoreFailure(request, { key, cost, now }, error);
      }
    }
    const check: RateLimitCheck = { key, cost, now };
    return store.hit(check).then(
      (outcomes) => finish(request, toDecision(key, outcomes, 'allowed'), true),
      (error: unknown) => onStoreFailure(request, check, error),
    );
  }

  const limiter: RateLimiter = {
    options: config,
    check(request) {
      // Not `async`: a synchronous decision costs one resolved promise, not two.
      try {
        const decision = evaluate(request);
        return decision instanceof Promise ? decision : Promise.resolve(decision);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    checkSync(request) {
      if (syncStore === undefined) {
        throw new RampartConfigError(
          `${owner}.store`,
          `${store.name} does I/O: use check(), not checkSync().`,
        );
      }
      const decision = evaluate(request);
      // A synchronous store answers synchronously, also through a fallback it may fail over to.
      if (decision instanceof Promise)
        throw new RampartConfigError(
          `${owner}.onStoreError`,
          'the fallback store does I/O: use check().',
        );
      return decision;
    },
    keyFor,
    async peek(key, cost = 1) {
      const outcomes = await store.peek({ key, cost, now: clock.now() });
      return toDecision(key, outcomes, 'allowed');
    },
    reset: (key) => store.reset(key),
    reward: (key, cost = 1) => store.adjust({ key, cost: 1, now: clock.now() }, -cost, 0),
    penalty(key, penaltyOptions = {}) {
      const now = clock.now();
      const blockMs = penaltyOptions.blockMs ?? 0;
      return store.adjust(
        { key, cost: 1, now },
        penaltyOptions.cost ?? 1,
        blockMs > 0 ? now + blockMs : 0,
      );
    },
    writeHeaders(decision, set) {
      writeRateLimitHeaders(decision, config.headers, set, callSetHeader);
    },
    exceededError(decision) {
      return rateLimitExceededError(decision, config.headers.retryAfter);
    },
    [evaluateRequest]: evaluate,
  };
  return Object.freeze(limiter);
}
