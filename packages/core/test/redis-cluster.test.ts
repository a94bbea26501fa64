import {
  createRedisClusterClient,
  isolatedRedisClusterPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTag, redisKey } from '../src/redis/keys.js';
import { scanKeysWithPrefix } from '../src/redis/scan.js';
import { RedisScript } from '../src/redis/script.js';
import { RedisNonceStore } from '../src/redis.js';
import { describeNonceStoreConformance } from '../src/testing.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Two keys in one script, as every multi-key store script does.
const touchBoth = new RedisScript(
  "redis.call('SET', KEYS[1], '1', 'PX', 60000); redis.call('SET', KEYS[2], '1', 'PX', 60000); return 1",
);

const hasCluster = await serviceAvailable('redis-cluster');

describe.skipIf(!hasCluster)('Redis Cluster (3 masters, scripts/redis-cluster)', () => {
  let cluster: Cluster;
  let isolated: ReturnType<typeof isolatedRedisClusterPrefix>;

  beforeAll(() => {
    cluster = createRedisClusterClient();
    isolated = isolatedRedisClusterPrefix(cluster);
  });
  afterAll(async () => {
    await isolated.cleanup();
    await cluster.quit();
  });

  it('refuses loudly (CROSSSLOT) a script whose keys sit in two slots', async () => {
    // 'a' and 'b' hash to different slots of a three-master cluster: a store that forgot its
    // hash tag fails on the first call, never silently on one node.
    const keys = [redisKey(isolated.prefix, 'a'), redisKey(isolated.prefix, 'b')];
    await expect(touchBoth.run(cluster, keys, [])).rejects.toThrow(/CROSSSLOT/);
  });

  it('runs the same script when both keys carry one hash tag, wherever the tag lands', async () => {
    for (const owner of ['a', 'b', 'user-1', 'x'.repeat(80)]) {
      const tag = hashTag(owner);
      const keys = [redisKey(isolated.prefix, tag, 'a'), redisKey(isolated.prefix, tag, 'b')];
      await expect(touchBoth.run(cluster, keys, [])).resolves.toBe(1);
    }
  });

  it('scanKeysWithPrefix finds the keys of every master, and only those under the prefix', async () => {
    const owners = Array.from({ length: 30 }, (_, i) => `owner-${i}`);
    const under = redisKey(isolated.prefix, 'scan', '');
    for (const owner of owners) await cluster.set(`${under}${owner}`, '1', 'PX', 60_000);
    await cluster.set(redisKey(isolated.prefix, 'scanned-not', 'x'), '1', 'PX', 60_000);
    // Spread over several masters: a SCAN of the cluster client (one node) would miss some.
    const holding = await Promise.all(
      cluster
        .nodes('master')
        .map(async (node) => (await node.scan('0', 'MATCH', `${under}*`, 'COUNT', 1000))[1].length),
    );
    expect(holding.filter((count) => count > 0).length).toBeGreaterThan(1);
    const found: string[] = [];
    await scanKeysWithPrefix(cluster, under, async (keys) => void found.push(...keys));
    expect(found.sort()).toEqual(owners.map((owner) => `${under}${owner}`).sort());
  });

  describeNonceStoreConformance('redis cluster', () => {
    const { prefix, cleanup } = isolatedRedisClusterPrefix(cluster);
    return {
      store: new RedisNonceStore({ redis: cluster, keyPrefix: prefix, commandTimeoutMs: 5000 }),
      // Redis keeps the time (PX): the suite really has to wait.
      elapse: sleep,
      cleanup,
    };
  });
});
