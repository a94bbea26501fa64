import {
  createRedisClusterClient,
  isolatedRedisCluster,
  serviceAvailable,
} from '@rampart/test-utils';
import { describe } from 'vitest';
import { RedisSettingsStore } from '../src/settings/redis-settings-store.js';
import { describeSettingsStoreConformance } from '../src/settings/settings-store-conformance.js';

const hasCluster = await serviceAvailable('redis-cluster');

// The suite of the single server, on a three-master cluster, with the twin on its own Cluster
// client as another process would have it: each document is one key, so each script one slot.
describe.skipIf(!hasCluster)('RedisSettingsStore on Redis Cluster', () => {
  describeSettingsStoreConformance('RedisSettingsStore (cluster)', async () => {
    const { cluster, prefix, cleanup } = isolatedRedisCluster();
    const other = createRedisClusterClient();
    return {
      store: new RedisSettingsStore({ redis: cluster, keyPrefix: prefix }),
      twin: new RedisSettingsStore({ redis: other, keyPrefix: prefix }),
      cleanup: async () => {
        await cleanup();
        await other.quit();
      },
    };
  });
});
