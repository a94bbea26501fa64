import {
  createRedisClusterClient,
  isolatedRedisClusterPrefix,
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
    const cluster = createRedisClusterClient();
    const other = createRedisClusterClient();
    const isolated = isolatedRedisClusterPrefix(cluster);
    return {
      store: new RedisSettingsStore({ redis: cluster, keyPrefix: isolated.prefix }),
      twin: new RedisSettingsStore({ redis: other, keyPrefix: isolated.prefix }),
      cleanup: async () => {
        await isolated.cleanup();
        await Promise.all([cluster.quit(), other.quit()]);
      },
    };
  });
});
