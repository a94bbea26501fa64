/**
 * `@rampart/core/redis`: what Rampart's Redis stores share, and the Redis nonce store.
 * Nothing here imports ioredis; the user passes their instance in.
 */
export {
  defaultRedisPrefix,
  hashTag,
  RAMPART_REDIS_PREFIX,
  type RedisHashTag,
  redisKey,
  redisKeyPrefixSchema,
} from './redis/keys.js';
export {
  globLiteral,
  type RedisCommandRunner,
  type RedisScanClient,
  scanKeysWithPrefix,
} from './redis/scan.js';
export { RedisScript, type RedisScriptClient } from './redis/script.js';
export {
  ioredisClientSchema,
  type RedisStoreDefaults,
  redisStoreOptionsShape,
} from './redis/store-options.js';
export {
  RedisSettingsStore,
  type RedisSettingsStoreClient,
  type RedisSettingsStoreOptions,
} from './settings/redis-settings-store.js';
export {
  RedisNonceStore,
  type RedisNonceStoreClient,
  type RedisNonceStoreOptions,
} from './stores/redis-nonce-store.js';
export {
  createStoreDeadline,
  type StoreDeadline,
  type StoreDeadlineOptions,
  withTimeout,
} from './stores/store-deadline.js';
