import {
  type DedicatedRedisCluster,
  redisServerBinaryAvailable,
  startDedicatedRedisCluster,
} from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp } from '../src/demo/app-process.js';
import { ApiClient, testSecrets } from './api-client.js';
import {
  expectStillRefused,
  expectStoreDownRefusal,
  load,
  prepareWorkers,
  recovered,
  spendSecurityState,
} from './fault-load.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// The example app on a Redis Cluster (--store redis-cluster) of its own (7110-7115, so neither
// the shared cluster on 7000-7005 nor the store-level failover test's on 7100 is disturbed). The
// master holding a signature nonce spent just before is killed (SIGKILL) under load: until its
// replica is promoted the app answers 503 problems with Retry-After (never a hang or a 500),
// then it serves again by itself, and the replay and the refresh reuse stay refused.
const hasBinary = redisServerBinaryAvailable();
const BASE_PORT = 7110;
const PREFIX = 'failover-app:';
const ALLOWED = new Set([200, 201, 401, 429, 503]);

let cluster: DedicatedRedisCluster | undefined;
beforeAll(async () => {
  if (hasBinary)
    cluster = await startDedicatedRedisCluster({ basePort: BASE_PORT, nodeTimeoutMs: 1000 });
});
afterAll(async () => {
  await cluster?.stop();
});

describe.skipIf(!hasBinary)('the example app while a Redis Cluster master fails over', () => {
  it('answers 503 problems on the lost slots, recovers without a restart, and keeps refusing what it refused', async () => {
    const on = cluster as DedicatedRedisCluster;
    const secrets = testSecrets();
    const seeds = on.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
    const app = await startApp({
      args: ['--port', '0', '--store', 'redis-cluster', '--fresh'],
      env: { ...secrets, REDIS_CLUSTER_NODES: seeds, RAMPART_KEY_PREFIX: PREFIX },
    });
    const api = new ApiClient(app.url, secrets);
    let running = false;
    try {
      const workers = await prepareWorkers(api, 6);
      running = true;
      const traffic = load(api, workers, () => running).finally(() => {
        running = false;
      });
      traffic.catch(() => {}); // awaited below; a failure before that still stops the loop
      await new Promise((resolve) => setTimeout(resolve, 1000));

      // The master that holds the nonce of a signature accepted (and its replay refused) now.
      const spent = await spendSecurityState(api);
      const nonce = spent.replay.headers['X-Nonce'] as string;
      const [nonceKey] = await on.keysMatching(`${PREFIX}nonce:*${nonce}`);
      expect(nonceKey).toBeDefined();
      const victim = await on.masterPortOf(nonceKey as string);
      const killedAt = Date.now();
      await on.killNode(victim);
      await on.waitForFailover(nonceKey as string, victim, 20_000);
      const promotedAt = Date.now();
      expect(await recovered(api)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      running = false;
      const answers = await traffic;

      const statuses = answers.map((answer) => answer.status);
      const unexpected = statuses.filter((status) => !ALLOWED.has(status));
      expect(unexpected, `statuses: ${[...new Set(statuses)].join()}`).toEqual([]);
      const refusals = answers.filter((answer) => answer.status === 503);
      for (const answer of refusals) expectStoreDownRefusal(answer);
      // The lost slots were refused while they had no master …
      expect(refusals.filter((answer) => answer.answeredAt >= killedAt).length).toBeGreaterThan(0);
      // … and the same processes serve again after the promotion.
      const served = answers.filter(
        (answer) => answer.sentAt > promotedAt && answer.status === 200,
      );
      expect(served.length).toBeGreaterThan(0);

      await expectStillRefused(api, spent);
    } finally {
      running = false;
      const code = await app.stop();
      expect(code, app.output()).toBe(0);
    }
  });
});
