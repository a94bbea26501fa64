import type { Cluster, ClusterOptions } from 'ioredis';
import { createRedisClusterClient, isolatedRedisClusterPrefix } from './redis-cluster.js';

/** A Cluster client of its own and a key prefix of its own, and the means to remove both. */
export interface IsolatedRedisCluster {
  /** A client on the test cluster ({@link createRedisClusterClient}). */
  readonly cluster: Cluster;
  /** `rampart-test:<random>:`: pass it as the store's `keyPrefix`. */
  readonly prefix: string;
  /** Deletes every key under `prefix` on every master, then quits `cluster`. */
  cleanup(): Promise<void>;
}

/**
 * What a store's conformance suite on Redis Cluster opens for each test: the client, the prefix
 * and one cleanup for both, in the order that works (the keys are deleted through the client
 * before it quits), like `isolatedPostgresSchema` for a schema.
 *
 * @example
 * describeStoreConformance('RedisStore (cluster)', () => {
 *   const { cluster, prefix, cleanup } = isolatedRedisCluster();
 *   return { store: new RedisStore({ redis: cluster, keyPrefix: prefix }), cleanup };
 * });
 */
export function isolatedRedisCluster(options: ClusterOptions = {}): IsolatedRedisCluster {
  const cluster = createRedisClusterClient(options);
  const isolated = isolatedRedisClusterPrefix(cluster);
  return {
    cluster,
    prefix: isolated.prefix,
    async cleanup() {
      await isolated.cleanup();
      await cluster.quit();
    },
  };
}
