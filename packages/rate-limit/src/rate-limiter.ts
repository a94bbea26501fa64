import type { RampartError } from '@rampart/core';
import type { RateLimitDecision } from './decision.js';
import type { SetHeader } from './headers.js';
import type { ResolvedOptions } from './options.js';
import type { RateLimitRequest } from './request.js';
import type { RateLimitKey } from './store.js';

/** Decides synchronously when the store can, else with a promise: the adapters' fast path. */
export const evaluateRequest: unique symbol = Symbol('rampart.rate-limit.evaluate');

/** A configured limiter: several named policies checked together, per route and client. */
export interface RateLimiter {
  /** Checks and counts one request. Rejects with `StoreUnavailableError`/`StoreFullError` (503) when it must fail closed. */
  check(request: RateLimitRequest): Promise<RateLimitDecision>;
  /**
   * `check` without a promise, for in-process stores (the memory store): what the adapters run.
   * Throws what `check` would reject with; throws `RampartConfigError` on a store that does I/O.
   */
  checkSync(request: RateLimitRequest): RateLimitDecision;
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
  /** Writes the decision's headers as configured (`headers` option). */
  writeHeaders(decision: RateLimitDecision, set: SetHeader): void;
  /** The 429 problem of a refused decision. */
  exceededError(decision: RateLimitDecision): RampartError;
  readonly options: ResolvedOptions;
  [evaluateRequest](request: RateLimitRequest): RateLimitDecision | Promise<RateLimitDecision>;
}
