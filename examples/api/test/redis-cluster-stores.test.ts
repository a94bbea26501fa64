import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '@rampart/core';
import {
  createRedisClusterClient,
  isolatedRedisClusterPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { ConfigError } from '../src/config-error.js';
import type { EntityRecord } from '../src/entities/record-store.js';
import { checkHealth } from '../src/health.js';
import { type AppStores, openStores } from '../src/stores/app-stores.js';
import type { User } from '../src/users/user-store.js';

// `--store redis-cluster`: every Redis store of the app through one ioredis.Cluster.
const available = await serviceAvailable('redis-cluster');
const cluster = available ? createRedisClusterClient() : undefined;
const isolation = cluster === undefined ? undefined : isolatedRedisClusterPrefix(cluster);
afterAll(async () => {
  await isolation?.cleanup();
  cluster?.disconnect();
});

function optionOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.option;
    throw error;
  }
  throw new Error('accepted');
}

describe('--store redis-cluster configuration', () => {
  it('is the redis store on the seeds of REDIS_CLUSTER_NODES, 127.0.0.1:7000 by default', () => {
    const config = parseConfig(['--store', 'redis-cluster'], {});
    expect(config.store).toBe('redis');
    expect(config.redisCluster).toEqual([{ host: '127.0.0.1', port: 7000 }]);
    expect(
      parseConfig(['--store', 'redis-cluster'], {
        REDIS_CLUSTER_NODES: ' 10.0.0.1:7000,redis-a.internal:6379 , [::1]:7002',
      }).redisCluster,
    ).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-a.internal', port: 6379 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('leaves --store redis on REDIS_URL whatever REDIS_CLUSTER_NODES says', () => {
    const config = parseConfig(['--store', 'redis'], { REDIS_CLUSTER_NODES: 'not a node' });
    expect(config.redisCluster).toBeUndefined();
  });

  it.each([
    '127.0.0.1',
    '127.0.0.1:',
    ':7000',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:7000,',
    '127.0.0.1:7000,,127.0.0.1:7001',
    'redis://127.0.0.1:7000',
    'host_with_underscore:7000',
    '[::1:7000',
    '::1:7000',
    '127.0.0.1:7000x',
  ])('refuses REDIS_CLUSTER_NODES=%j at start-up, naming the option', (nodes) => {
    expect(
      optionOf(() => parseConfig(['--store', 'redis-cluster'], { REDIS_CLUSTER_NODES: nodes })),
    ).toBe('REDIS_CLUSTER_NODES');
  });

  it('names REDIS_CLUSTER_NODES when no node of the cluster answers', async () => {
    const config = parseConfig(['--store', 'redis-cluster'], {
      REDIS_CLUSTER_NODES: '127.0.0.1:1',
    });
    const error = await openStores(config).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('REDIS_CLUSTER_NODES');
    expect((error as ConfigError).message).toMatch(/no Redis Cluster answered at 127\.0\.0\.1:1/);
  });
});

function user(): User {
  return {
    id: randomUUID(),
    email: `cluster-${randomUUID()}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    role: 'user',
    locked: false,
    createdAt: 1_700_000_000_123,
  };
}

function record(entityId: string, createdBy: string, i: number): EntityRecord {
  return { id: randomUUID(), entityId, data: { i }, createdBy, createdAt: 1_700_000_000_000 + i };
}

describe.skipIf(!available)('the app stores on a Redis Cluster', () => {
  let stores: AppStores;
  const prefix = () => `${isolation?.prefix}stores:`;

  it('open with --fresh, which clears the prefix on every master and nothing else', async () => {
    const c = cluster as NonNullable<typeof cluster>;
    // Keys in many slots, so they land on every master.
    const mine = Array.from({ length: 30 }, (_, i) => `${prefix()}leftover:${i}`);
    const other = `${isolation?.prefix}other:${randomUUID()}`;
    await Promise.all([...mine, other].map((key) => c.set(key, '1')));
    stores = await openStores(
      parseConfig(['--store', 'redis-cluster', '--fresh'], { RAMPART_KEY_PREFIX: prefix() }),
    );
    expect(await Promise.all(mine.map((key) => c.exists(key)))).toEqual(mine.map(() => 0));
    expect(await c.exists(other)).toBe(1);
    expect(await checkHealth(stores)).toEqual({ status: 'ok', store: 'redis' });
  });

  it('keep users, records and account locks, and purge them, each script in one slot', async () => {
    const alice = user();
    await stores.users.create(alice);
    expect(await stores.users.findByEmail(alice.email)).toEqual(alice);
    const entities = [`e-${randomUUID()}`, `e-${randomUUID()}`];
    const kept: EntityRecord[] = [];
    for (let i = 0; i < 4; i++) {
      const entity = entities[i % 2] as string;
      await stores.records.add(record(entity, alice.id, i));
      const bobs = record(entity, 'bob', i);
      await stores.records.add(bobs);
      kept.push(bobs);
    }
    expect(await stores.records.list(entities[0] as string, 100)).toHaveLength(4);
    await stores.audit.locks.lock(alice.id, null);
    expect(await stores.audit.locks.isLocked(alice.id, Date.now())).toBe(true);

    await stores.records.purgeUser(alice.id);
    await stores.audit.locks.purgeUser(alice.id);
    await stores.users.purgeUser(alice.id);
    expect(await stores.records.list(entities[0] as string, 100)).toEqual(
      kept.filter((item) => item.entityId === entities[0]),
    );
    expect(await stores.records.list(entities[1] as string, 100)).toEqual(
      kept.filter((item) => item.entityId === entities[1]),
    );
    expect(await stores.audit.locks.isLocked(alice.id, Date.now())).toBe(false);
    expect(await stores.users.findById(alice.id)).toBeUndefined();
  });

  it('close the cluster connection', async () => {
    await stores.close();
    await expect(stores.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
