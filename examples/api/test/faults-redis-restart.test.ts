import { RedisNonceStore } from '@rampart/core/redis';
import {
  createRedisClient,
  type RedisServerProcess,
  redisServerBinaryAvailable,
  startRedisServer,
} from '@rampart/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startApp } from '../src/demo/app-process.js';
import { ApiClient, testSecrets } from './api-client.js';
import {
  expectStillRefused,
  expectStoreDownRefusal,
  load,
  prepareWorkers,
  recovered,
  spendSecurityState,
  type TimedAnswer,
} from './fault-load.js';

vi.setConfig({ testTimeout: 60_000 });

// Redis itself dies (SIGKILL: no shutdown, no save) under load and is started again on the same
// port and data directory. The app must refuse every request meanwhile with the store-down 503,
// never hang or 500, reconnect by itself, and still refuse what it refused before the kill: a
// spent nonce or refresh token lives in Redis only, so this holds only when Redis persists every
// acknowledged write (appendonly yes, appendfsync always; see docs/stores.md).
const hasBinary = redisServerBinaryAvailable();
const OUTAGE_MS = 3000;

let server: RedisServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Answers asked after the kill had completed and answered before the restart began. */
function duringOutage(answers: readonly TimedAnswer[], killedAt: number, restartAt: number) {
  return answers.filter((answer) => answer.sentAt >= killedAt && answer.answeredAt < restartAt);
}

describe.skipIf(!hasBinary)('Redis killed and restarted mid-load', () => {
  it('answers 503 problems while Redis is dead, recovers alone, and keeps refusing what it refused', async () => {
    server = await startRedisServer({ persistence: 'aof-always' });
    const secrets = testSecrets();
    const app = await startApp({
      args: ['--port', '0', '--store', 'redis', '--fresh'],
      env: { ...secrets, REDIS_URL: server.url, RAMPART_KEY_PREFIX: 'restart:' },
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

      // Spent right before the kill, under load: only an fsync'ed AOF keeps these.
      const spent = await spendSecurityState(api);
      await server.kill();
      const killedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const restartAt = Date.now();
      await server.restart();
      expect(await recovered(api)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      running = false;
      const answers = await traffic;

      const outage = duringOutage(answers, killedAt, restartAt);
      // Six workers for three seconds: each request refused fast, so many refusals.
      expect(outage.length).toBeGreaterThan(6);
      for (const answer of outage) expectStoreDownRefusal(answer);
      const statuses = new Set(answers.map((answer) => answer.status));
      expect([...statuses].filter((status) => status >= 500 && status !== 503)).toEqual([]);
      // After the restart the load is served again, without restarting the app.
      expect(
        answers.filter((answer) => answer.sentAt > restartAt && answer.status === 200).length,
      ).toBeGreaterThan(0);

      await expectStillRefused(api, spent);
    } finally {
      running = false;
      const code = await app.stop();
      expect(code, app.output()).toBe(0);
    }
  });

  it('forgets every spent nonce when Redis runs without persistence (why docs/stores.md asks for the AOF)', async () => {
    server = await startRedisServer({ persistence: 'none' });
    const redis = createRedisClient({ port: server.port, enableOfflineQueue: false });
    const ready = () => vi.waitFor(() => expect(redis.status).toBe('ready'), { timeout: 10_000 });
    try {
      await ready();
      const store = new RedisNonceStore({ redis, keyPrefix: 'volatile:' });
      expect(await store.claim('key-1', 'nonce-1', 300_000)).toBe(true);
      expect(await store.claim('key-1', 'nonce-1', 300_000)).toBe(false);
      await server.restart();
      // ioredis reconnects by itself; the replay is then accepted: the restart lost the nonce.
      await ready();
      expect(await store.claim('key-1', 'nonce-1', 300_000)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
