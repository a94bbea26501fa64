/**
 * `@rampart/idempotency/redis`: the Redis store. Needs `ioredis` (the user passes an instance
 * in; nothing here imports it).
 */
export {
  RedisIdempotencyStore,
  type RedisIdempotencyStoreClient,
  type RedisIdempotencyStoreOptions,
} from './stores/redis.js';
