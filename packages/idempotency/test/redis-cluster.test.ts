import { createFakeClock } from '@rampart/core';
import { isolatedRedisCluster, serviceAvailable } from '@rampart/test-utils';
import { describe } from 'vitest';
import { RedisIdempotencyStore } from '../src/redis.js';
import { describeIdempotencyStoreConformance } from '../src/testing.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The suite of one server, on a three-master cluster: a record is one key, and a user's keys share
// its hash tag, so purgeUser's DEL batches stay in one slot.
describe.skipIf(!hasCluster)('RedisIdempotencyStore on Redis Cluster', () => {
  describeIdempotencyStoreConformance('RedisIdempotencyStore (cluster)', () => {
    const clock = createFakeClock(Date.now());
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    return {
      store: new RedisIdempotencyStore({ redis: cluster, keyPrefix: prefix, clock }),
      elapse: async (ms) => clock.advance(ms),
      cleanup,
    };
  });
});
