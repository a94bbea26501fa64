import { isolatedRedisCluster, serviceAvailable } from '@rampart/test-utils';
import { describe } from 'vitest';
import { RedisApiKeyStore } from '../src/redis.js';
import { describeApiKeyStoreConformance } from '../src/testing.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The suite of the single server, on a three-master cluster: a key's record sits under the key
// id's hash tag and an owner's index under the owner's, so every script touches one slot.
describe.skipIf(!hasCluster)('RedisApiKeyStore on Redis Cluster', () => {
  describeApiKeyStoreConformance('RedisApiKeyStore (cluster)', () => {
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    return {
      store: new RedisApiKeyStore({ redis: cluster, keyPrefix: prefix }),
      cleanup,
    };
  });
});
