/**
 * `@rampart/rate-limit/redis`: the Redis store. Nothing here imports ioredis; pass your instance.
 */
export {
  type RedisRateLimitClient,
  RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from './stores/redis.js';
