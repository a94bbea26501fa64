import { isolatedRedisCluster, serviceAvailable } from '@rampart/test-utils';
import { describe } from 'vitest';
import { RedisOAuthLinkStore } from '../src/redis.js';
import { describeOAuthLinkStoreConformance } from '../src/testing.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The suite of the single server, on a three-master cluster: a link and a user's link index
// sit under different hash tags, so each script and command touches one slot.
describe.skipIf(!hasCluster)('RedisOAuthLinkStore on Redis Cluster', () => {
  describeOAuthLinkStoreConformance('RedisOAuthLinkStore (cluster)', () => {
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    return {
      store: new RedisOAuthLinkStore({ redis: cluster, keyPrefix: prefix }),
      cleanup,
    };
  });
});
