/**
 * `@rampart/rate-limit/store`: the `RateLimitStore` contract and what a store author needs to
 * keep it: the algorithms' arithmetic on typed states, and the policies a store receives.
 * Applications need none of it; they pass a store to `createRateLimiter`.
 */
import type { PolicyOutcome } from './algorithms/state.js';
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

/** A move of every policy's counter without a request: a reward, a penalty, a block. */
export interface RateLimitAdjustment {
  readonly key: RateLimitKey;
  /** Epoch ms of the limiter's clock. */
  readonly now: number;
  /** Cost units to spend (> 0) or give back (< 0; never beyond a fresh client's quota). */
  readonly delta: number;
  /** Epoch ms until which to block the client on every policy; 0 for none. */
  readonly blockUntil: number;
}

/**
 * Where counters live. Every method covers all policies of a key in ONE atomic operation (one
 * synchronous step in memory, one Lua script on Redis, one statement on Postgres): either every
 * policy admits the request and each spends `cost`, or none spends anything, and a policy with
 * `blockMs` that refused starts its block. `evaluateCheck` (this module) is that rule;
 * `describeRateLimitStoreConformance` (`@rampart/rate-limit/testing`) checks a store keeps it.
 *
 * Failures: a store that cannot answer rejects with `StoreUnavailableError` (the limiter applies
 * `onStoreError`); a memory store that is full rejects with `StoreFullError`.
 */
export interface RateLimitStore {
  /** Names the store in errors and events, e.g. `redis-rate-limit-store`. */
  readonly name: string;
  /** Checks and, when every policy admits it, counts one request. Outcomes in policy order. */
  hit(check: RateLimitCheck): Promise<readonly PolicyOutcome[]>;
  /** What `hit` would answer for a request of `check.cost`, without counting it or starting a block. */
  peek(check: RateLimitCheck): Promise<readonly PolicyOutcome[]>;
  /** Moves every policy's counter (see `adjustState`), and blocks until `blockUntil` when later than now. */
  adjust(adjustment: RateLimitAdjustment): Promise<void>;
  /** Forgets every policy's counter and block for the key. */
  reset(key: RateLimitKey): Promise<void>;
}

/**
 * The text key of one policy of a key, for stores that keep a row per policy (the Postgres one).
 * The scope is length-prefixed and policy names hold no ':', so no two triples collide.
 */
export function storageKey(key: RateLimitKey, policy: ResolvedPolicy): string {
  return `${policy.name}:${key.scope.length}:${key.scope}:${key.identity}`;
}

export {
  adjustState,
  type CheckEvaluation,
  evaluateCheck,
  evaluatePolicy,
  stateExpiresAt,
} from './algorithms/evaluate.js';
export type {
  CounterState,
  FixedWindowState,
  GcraState,
  PolicyEvaluation,
  PolicyOutcome,
  SlidingWindowState,
} from './algorithms/state.js';
export { newEvaluation } from './algorithms/state.js';
export { windowStart } from './algorithms/window.js';
export {
  type FixedWindowPolicy,
  type GcraPolicy,
  type ResolvedPolicy,
  resolvePolicies,
  resolvePolicy,
  type SlidingWindowPolicy,
} from './policy.js';
