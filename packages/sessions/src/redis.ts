/**
 * `@rampart/sessions/redis`: the Redis session and trusted-device stores. Needs `ioredis` (the
 * user passes an instance in; nothing here imports it).
 */
export {
  RedisSessionStore,
  type RedisSessionStoreClient,
  type RedisSessionStoreOptions,
} from './stores/redis.js';
export {
  RedisTrustedDeviceStore,
  type RedisTrustedDeviceStoreClient,
  type RedisTrustedDeviceStoreOptions,
} from './stores/redis-trusted-devices.js';
