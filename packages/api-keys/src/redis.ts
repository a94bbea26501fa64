/**
 * `@rampart/api-keys/redis`: the Redis key store. Needs `ioredis` (the user passes an instance
 * in; nothing here imports it).
 */
export {
  RedisApiKeyStore,
  type RedisApiKeyStoreClient,
  type RedisApiKeyStoreOptions,
} from './stores/redis.js';
