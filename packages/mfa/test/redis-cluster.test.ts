import { isolatedRedisCluster, serviceAvailable } from '@rampart/test-utils';
import { describe } from 'vitest';
import { RedisMfaStore } from '../src/redis.js';
import { describeMfaStoreConformance } from '../src/testing.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The suite of the single server, on a three-master cluster: a user's secret, pending
// enrolment and recovery codes share the user's hash tag, so each script runs on one node.
describe.skipIf(!hasCluster)('RedisMfaStore on Redis Cluster', () => {
  describeMfaStoreConformance('RedisMfaStore (cluster)', () => {
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    return {
      store: new RedisMfaStore({ redis: cluster, keyPrefix: prefix }),
      // Redis keeps the time (PX): the suite really has to wait.
      now: () => Date.now(),
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      cleanup,
    };
  });
});
