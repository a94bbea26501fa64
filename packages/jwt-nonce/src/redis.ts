/**
 * `@rampart/jwt-nonce/redis`: the Redis token store. Needs `ioredis` (the user passes an
 * instance in; nothing here imports it).
 */
export {
  RedisJwtNonceStore,
  type RedisJwtNonceStoreClient,
  type RedisJwtNonceStoreOptions,
} from './stores/redis.js';
