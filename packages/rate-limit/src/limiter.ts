import {
  createEventEmitter,
  defineSyncTwin,
  type EmitSecurityEvent,
  parseOptions,
  type RampartError,
  type SyncAnswer,
} from '@rampart/core';
import { ClientKeys } from './client-keys.js';
import {
  buildDecision,
  FAILED_OPEN as FAILED_OPEN_DECISION,
  type RateLimitDecision,
  SKIPPED,
} from './decision.js';
import { rateLimitExceededError } from './errors.js';
import {
  callSetHeader,
  policyFieldValue,
  type SetHeader,
  writeRateLimitHeaders,
} from './headers.js';
import {
  type LimiterConfig,
  type RateLimiterOptions,
  rateLimiterOptionsSchema,
  toLimiterConfig,
} from './options.js';
import type { ResolvedPolicy } from './policy.js';
import type { RateLimitRequest } from './request.js';
import type { RateLimitKey } from './store.js';
import {
  type Counted,
  type CountedByFallback,
  FAILED_OPEN,
  StoreFailover,
} from './store-failover.js';

/** `writeHeaders`' setter and getter, as the target of `writeRateLimitHeaders`. */
interface HeaderAccess {
  set: SetHeader;
  get: (name: string) => unknown;
}

function callSet(access: HeaderAccess, name: string, value: string): unknown {
  return access.set(name, value);
}

function callGet(access: HeaderAccess, name: string): unknown {
  return access.get(name);
}

/** A configured limiter: several named policies checked together, per route and client. */
export interface RateLimiter {
  /**
   * Checks and counts one request. Rejects with `StoreUnavailableError`/`StoreFullError` (503)
   * when it must fail closed. (The adapters call its synchronous twin, core's fast-path
   * convention: on the memory store a check makes no promise.)
   */
  check(request: RateLimitRequest): Promise<RateLimitDecision>;
  /** The key `check` would count `request` under, for `peek`/`reset`/`reward`/`penalty`. `undefined` when skipped or allow-listed. */
  keyFor(request: RateLimitRequest): RateLimitKey | undefined;
  /** What a request of `cost` (default 1) would get now, without counting it. */
  peek(key: RateLimitKey, cost?: number): Promise<RateLimitDecision>;
  /** Forgets the client's counters and blocks on every policy of the key. */
  reset(key: RateLimitKey): Promise<void>;
  /** Gives back `cost` units (default 1) on every policy, e.g. after a successful login. */
  reward(key: RateLimitKey, cost?: number): Promise<void>;
  /** Spends `cost` units (default 1) without a request, and/or blocks the client for `blockMs`. */
  penalty(key: RateLimitKey, options?: { cost?: number; blockMs?: number }): Promise<void>;
  /**
   * Writes the decision's headers as configured (`headers` option). With `get` (reading the
   * response's headers), another limiter's already there are merged, as the adapters do.
   */
  writeHeaders(decision: RateLimitDecision, set: SetHeader, get?: (name: string) => unknown): void;
  /** The 429 problem of a refused decision. */
  exceededError(decision: RateLimitDecision): RampartError;
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
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  return limiterFor(
    toLimiterConfig(parseOptions('createRateLimiter', rateLimiterOptionsSchema, options)),
  );
}

/** The limiter of a validated configuration: what `createRateLimiter` and the adapters build. */
export function limiterFor(config: LimiterConfig): RateLimiter {
  return new Limiter(config);
}

/**
 * A limiter: finds the request's key (`ClientKeys`), has the store count it (`StoreFailover`,
 * which applies `onStoreError`), and turns the outcomes into a decision. A class rather than a
 * closure: an app holds several limiters, and V8 optimises a method for all of them at once.
 */
class Limiter implements RateLimiter {
  readonly #config: LimiterConfig;
  readonly #keys: ClientKeys;
  readonly #failover: StoreFailover;
  readonly #emit: EmitSecurityEvent;
  readonly #defaultPolicyField: string;
  /** The `RateLimit-Policy` value of each override's policies. */
  readonly #overrideFields: Map<readonly ResolvedPolicy[], string>;

  constructor(config: LimiterConfig) {
    this.#config = config;
    this.#keys = new ClientKeys(config);
    this.#emit = createEventEmitter({
      source: '@rampart/rate-limit',
      clock: config.clock,
      onEvent: config.onEvent,
    });
    this.#failover = new StoreFailover(config, this.#emit);
    this.#defaultPolicyField = policyFieldValue(config.policies);
    this.#overrideFields = new Map();
    for (const policies of config.overrides.values()) {
      if (policies !== 'unlimited') this.#overrideFields.set(policies, policyFieldValue(policies));
    }
    Object.freeze(this);
  }

  check(request: RateLimitRequest): Promise<RateLimitDecision> {
    try {
      const decision = this.#checkNow(request);
      return decision instanceof Promise ? decision : Promise.resolve(decision);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  static {
    // Saves a promise, and the microtask awaiting it, on every request the adapters check.
    defineSyncTwin(Limiter.prototype, 'check', function checkNow(request) {
      return this.#checkNow(request);
    });
  }

  keyFor(request: RateLimitRequest): RateLimitKey | undefined {
    return this.#keys.keyFor(request);
  }

  async peek(key: RateLimitKey, cost = 1): Promise<RateLimitDecision> {
    const outcomes = await this.#config.store.peek({ key, cost, now: this.#config.clock.now() });
    return buildDecision(key, outcomes, 'allowed', this.#policyField(key.policies));
  }

  reset(key: RateLimitKey): Promise<void> {
    return this.#config.store.reset(key);
  }

  reward(key: RateLimitKey, cost = 1): Promise<void> {
    const now = this.#config.clock.now();
    return this.#config.store.adjust({ key, now, delta: -cost, blockUntil: 0 });
  }

  penalty(key: RateLimitKey, penalty: { cost?: number; blockMs?: number } = {}): Promise<void> {
    const now = this.#config.clock.now();
    const blockMs = penalty.blockMs ?? 0;
    return this.#config.store.adjust({
      key,
      now,
      delta: penalty.cost ?? 1,
      blockUntil: blockMs > 0 ? now + blockMs : 0,
    });
  }

  writeHeaders(decision: RateLimitDecision, set: SetHeader, get?: (name: string) => unknown): void {
    if (get === undefined)
      writeRateLimitHeaders(decision, this.#config.headers, set, callSetHeader);
    else writeRateLimitHeaders(decision, this.#config.headers, { set, get }, callSet, callGet);
  }

  exceededError(decision: RateLimitDecision): RampartError {
    return rateLimitExceededError(decision, this.#config.headers.retryAfter);
  }

  /** `check` without a promise where the store answers in process. */
  #checkNow(request: RateLimitRequest): SyncAnswer<RateLimitDecision> {
    const key = this.#keys.keyFor(request);
    if (key === undefined) return SKIPPED;
    const counted = this.#failover.hit(key, this.#costOf(request), this.#config.clock.now());
    // The store's outcomes first: `instanceof Promise` walks an array's prototype chain.
    if (Array.isArray(counted)) return this.#decisionOf(key, counted, request);
    if (counted instanceof Promise) return counted.then((c) => this.#decisionOf(key, c, request));
    return this.#decisionOf(key, counted, request);
  }

  #costOf(request: RateLimitRequest): number {
    const cost = this.#config.cost;
    if (typeof cost === 'number') return cost;
    const spent = cost(request);
    if (!Number.isSafeInteger(spent) || spent < 1 || spent > 1e6) {
      throw new TypeError(
        `The rate limiter's cost function returned ${String(spent)}; it must return a whole number from 1 to 1e6.`,
      );
    }
    return spent;
  }

  #decisionOf(key: RateLimitKey, counted: Counted, request: RateLimitRequest): RateLimitDecision {
    const field = this.#policyField(key.policies);
    let decision: RateLimitDecision;
    // The store's outcomes are told apart first: comparing them with the symbol first made V8
    // call its generic strict equality on every check.
    if (Array.isArray(counted)) decision = buildDecision(key, counted, 'allowed', field);
    else if (counted === FAILED_OPEN) return { ...FAILED_OPEN_DECISION, key };
    else decision = buildDecision(key, (counted as CountedByFallback).fallback, 'fallback', field);
    if (!decision.allowed) this.#reportExceeded(request, decision);
    return decision;
  }

  #reportExceeded(request: RateLimitRequest, decision: RateLimitDecision): void {
    this.#emit({
      type: 'RATE_LIMIT_EXCEEDED',
      severity: 'warning',
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      ip: request.ip,
      method: request.method,
      ...(request.route === undefined ? {} : { route: request.route }),
      detail: { policy: decision.policy ?? '', scope: decision.key?.scope ?? '' },
    });
  }

  #policyField(policies: readonly ResolvedPolicy[]): string {
    // Most clients have the default policies: their field without a map lookup.
    if (policies === this.#config.policies) return this.#defaultPolicyField;
    return this.#overrideFields.get(policies) ?? policyFieldValue(policies);
  }
}
