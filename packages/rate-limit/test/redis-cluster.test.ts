import {
  createRedisClusterClient,
  isolatedRedisClusterPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { RedisRateLimitStore } from '../src/stores/redis.js';
import { describeRateLimitStoreConformance } from '../src/testing.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The same suite as on one server: every script's keys share the client's hash tag, so a
// three-master cluster (scripts/redis-cluster) runs them; one key in another slot is CROSSSLOT.
describe.skipIf(!hasCluster)('RedisRateLimitStore on Redis Cluster', () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = createRedisClusterClient();
  });
  afterAll(async () => {
    await cluster.quit();
  });

  describeRateLimitStoreConformance('redis cluster', () => {
    const { prefix, cleanup } = isolatedRedisClusterPrefix(cluster);
    return { store: new RedisRateLimitStore({ redis: cluster, keyPrefix: prefix }), cleanup };
  });
});
