import { Cluster, type ClusterNode, type ClusterOptions } from 'ioredis';
import { randomRedisPrefix } from './redis.js';
import { redisClusterNodes } from './services.js';

/**
 * An ioredis `Cluster` on {@link redisClusterNodes}; `options` win. Quiet on `error`, like
 * `createRedisClient`, so a test that takes a node away does not flood the output.
 */
export function createRedisClusterClient(
  options: ClusterOptions = {},
  nodes: ClusterNode[] = redisClusterNodes(),
): Cluster {
  const cluster = new Cluster(nodes, options);
  cluster.on('error', () => {});
  return cluster;
}

/** Deletes every key starting with `prefix` on every master of `cluster`, one key at a time. */
export async function deleteRedisClusterPrefix(cluster: Cluster, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9:_-]+$/.test(prefix)) {
    throw new Error(`deleteRedisClusterPrefix: refusing a prefix with glob characters: ${prefix}`);
  }
  let deleted = 0;
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      // Keys of one scan may sit in several slots: a multi-key DEL would be refused (CROSSSLOT).
      for (const key of keys) deleted += await node.del(key);
    } while (cursor !== '0');
  }
  return deleted;
}

/**
 * Reserves an isolated prefix on `cluster`; `cleanup()` removes its keys from every master.
 *
 * @example
 * const cluster = createRedisClusterClient();
 * const { prefix, cleanup } = isolatedRedisClusterPrefix(cluster);
 */
export function isolatedRedisClusterPrefix(cluster: Cluster): {
  prefix: string;
  cleanup(): Promise<void>;
} {
  const prefix = randomRedisPrefix();
  return { prefix, cleanup: async () => void (await deleteRedisClusterPrefix(cluster, prefix)) };
}
