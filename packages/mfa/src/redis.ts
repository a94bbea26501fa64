/**
 * `@rampart/mfa/redis`: the Redis MFA store. Needs `ioredis` (the user passes an instance in;
 * nothing here imports it).
 */
export {
  RedisMfaStore,
  type RedisMfaStoreClient,
  type RedisMfaStoreOptions,
} from './stores/redis.js';
