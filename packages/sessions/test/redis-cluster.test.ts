import { isolatedRedisCluster, serviceAvailable } from '@rampart/test-utils';
import { describe } from 'vitest';
import { RedisSessionStore, RedisTrustedDeviceStore } from '../src/redis.js';
import {
  describeSessionStoreConformance,
  describeTrustedDeviceStoreConformance,
} from '../src/testing.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The same suites as on one server, on a three-master cluster: every key of a user shares the
// user's hash tag, so each script (the cap, the touch, a rotation) runs on one node.
describe.skipIf(!hasCluster)('Redis stores on Redis Cluster', () => {
  describeSessionStoreConformance('RedisSessionStore (cluster)', () => {
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    return { store: new RedisSessionStore({ redis: cluster, keyPrefix: prefix }), cleanup };
  });
  describeTrustedDeviceStoreConformance('RedisTrustedDeviceStore (cluster)', () => {
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    return { store: new RedisTrustedDeviceStore({ redis: cluster, keyPrefix: prefix }), cleanup };
  });
});
