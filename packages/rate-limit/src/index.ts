/**
 * `@rampart/rate-limit`: exact, standard-speaking rate limits. The framework-neutral limiter and
 * the memory store; adapters in `./express` and `./fastify`, stores in `./redis` and `./postgres`,
 * what a store author needs in `./store`, the store conformance suite in `./testing`.
 */
export type { PolicyOutcome } from './algorithms/state.js';
export type { PolicyResult, RateLimitDecision } from './decision.js';
export { RATE_LIMIT_EXCEEDED } from './errors.js';
export {
  type GetHeader,
  type RateLimitHeaderOptions,
  type SetHeader,
  writeRateLimitHeaders,
} from './headers.js';
export type { KeySource } from './keys.js';
export { createRateLimiter, type RateLimiter } from './limiter.js';
export type { OnStoreError, PolicyOverride, RateLimiterOptions } from './options.js';
export type { RateLimitAlgorithm, RateLimitPolicy, ResolvedPolicy } from './policy.js';
export type { RateLimitRequest } from './request.js';
export type {
  RateLimitAdjustment,
  RateLimitCheck,
  RateLimitKey,
  RateLimitStore,
} from './store.js';
export { MemoryRateLimitStore, type MemoryRateLimitStoreOptions } from './stores/memory.js';
