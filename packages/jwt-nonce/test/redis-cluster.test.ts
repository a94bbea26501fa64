import { isolatedRedisCluster, serviceAvailable } from '@rampart/test-utils';
import { describe } from 'vitest';
import { RedisJwtNonceStore } from '../src/redis.js';
import { describeJwtNonceStoreConformance } from '../src/testing.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The same suite as on one server, on a three-master cluster (scripts/redis-cluster): a family
// and its tokens share one hash tag, so every script runs on one node.
describe.skipIf(!hasCluster)('RedisJwtNonceStore on Redis Cluster', () => {
  describeJwtNonceStoreConformance('RedisJwtNonceStore (cluster)', () => {
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    return {
      store: new RedisJwtNonceStore({ redis: cluster, keyPrefix: prefix }),
      now: () => Date.now(),
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      cleanup,
    };
  });
});
