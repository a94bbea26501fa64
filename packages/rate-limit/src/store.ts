import type { CounterState, PolicyOutcome } from './algorithms/evaluate.js';
import type { ResolvedPolicy } from './policy.js';

/** Which client on which route: what a store keys its counters by. */
export interface RateLimitKey {
  /** The route's scope, `METHOD /matched/:pattern` (or the limiter's fixed `scope`). */
  readonly scope: string;
  /** The client: key parts such as `203.0.113.7`, `user:42` or `203.0.113.7|x:alice@example.com`. */
  readonly identity: string;
  /** The policies in force for this client (overrides applied), in declaration order. */
  readonly policies: readonly ResolvedPolicy[];
}

/** One check of every policy of a key, as a store receives it. */
export interface RateLimitCheck {
  readonly key: RateLimitKey;
  /** Cost units this request spends, a whole number >= 1. */
  readonly cost: number;
  /** Epoch ms of the limiter's clock. */
  readonly now: number;
}

/**
 * Where counters live. Every method covers all policies of a key in ONE atomic operation (one
 * synchronous step in memory, one Lua script on Redis, one statement on Postgres): either every
 * policy admits the request and each spends `cost`, or none spends anything, and a policy with
 * `blockMs` that refused starts its block. Implementations evaluate with `evaluatePolicy()`'s
 * arithmetic; `describeRateLimitStoreConformance` (`@rampart/rate-limit/testing`) checks it.
 *
 * Failures: a store that cannot answer rejects with `StoreUnavailableError` (the limiter applies
 * `onStoreError`); a memory store that is full rejects with `StoreFullError`.
 */
export interface RateLimitStore {
  /** Names the store in errors and events, e.g. `redis-rate-limit-store`. */
  readonly name: string;
  /** Checks and, when every policy admits it, counts one request. Outcomes in policy order. */
  hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]>;
  /**
   * The synchronous `hit` of in-process stores; the adapters use it to keep the memory path
   * free of promises.
   */
  hitSync?(check: RateLimitCheck): readonly PolicyOutcome[];
  /** What `hit` would answer for a request of `check.cost`, without counting it. */
  peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]>;
  /** Moves every policy's counter by `delta` (see `adjustState`); blocks until `blockUntil` when > now. */
  adjust(check: RateLimitCheck, delta: number, blockUntil: number): Promise<void>;
  /** Forgets every policy's counter and block for the key. */
  reset(key: RateLimitKey): Promise<void>;
}

/** The text key of one policy of a key in stores without hash tags (memory, Postgres). */
export function storageKey(key: RateLimitKey, policy: ResolvedPolicy): string {
  // The scope is length-prefixed and policy names hold no ':', so no two triples collide.
  return `${policy.name}:${key.scope.length}:${key.scope}:${key.identity}`;
}

export type { CounterState, PolicyOutcome };
