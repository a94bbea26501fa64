/**
 * `@rampart/oauth/redis`: the Redis link store. Nothing here imports ioredis; pass your instance.
 */
export {
  RedisOAuthLinkStore,
  type RedisOAuthLinkStoreClient,
  type RedisOAuthLinkStoreOptions,
} from './stores/redis.js';
