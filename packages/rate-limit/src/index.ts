/**
 * `@rampart/rate-limit`: exact, standard-speaking rate limits. The framework-neutral limiter and
 * the memory store; adapters in `./express` and `./fastify`, stores in `./redis` and `./postgres`.
 */
export { adjustState } from './algorithms/adjust.js';
export {
  applyBlock,
  type CounterState,
  createOutcome,
  emptyState,
  evaluatePolicy,
  type PolicyOutcome,
  stateTtlMs,
} from './algorithms/evaluate.js';
export type { PolicyResult, RateLimitDecision } from './decision.js';
export { RATE_LIMIT_EXCEEDED, rateLimitExceededError } from './errors.js';
export {
  limitFieldValue,
  policyFieldValue,
  type RateLimitHeaderOptions,
  type SetHeader,
} from './headers.js';
export type { KeySource } from './keys.js';
export { createRateLimiter, type RateLimiter } from './limiter.js';
export type { OnStoreError, PolicyOverride, RateLimiterOptions } from './options.js';
export {
  ALGORITHM_CODE,
  type RateLimitAlgorithm,
  type RateLimitPolicy,
  type ResolvedPolicy,
  resolvePolicy,
} from './policy.js';
export type { RateLimitRequest } from './request.js';
export {
  type RateLimitCheck,
  type RateLimitKey,
  type RateLimitStore,
  storageKey,
} from './store.js';
export { MemoryRateLimitStore, type MemoryRateLimitStoreOptions } from './stores/memory.js';
