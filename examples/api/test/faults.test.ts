import { startTcpProxy, type TcpProxy } from '@rampart/test-utils';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, newAccount, testSecrets } from './api-client.js';
import { expectStoreDownRefusal, load, prepareWorkers, recovered } from './fault-load.js';
import { available, pg, redisPrefix } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000 });

// The store goes away under load (cut, half-open, connections killed) and comes back: every
// answer meanwhile is a refusal the contract names (503 problem with Retry-After when the store
// cannot answer), none hangs past the client's patience, none is a 500, and security state
// written before the fault is still there after it: a spent nonce or refresh token stays spent.

/** The statuses an answer may have while the store is faulty: a success or a named refusal. */
const ALLOWED = new Set([200, 201, 401, 429, 503]);

const TARGETS = {
  redis: { port: 6379, env: (port: number) => ({ REDIS_URL: `redis://127.0.0.1:${port}` }) },
  postgres: {
    port: 5432,
    env: (port: number) => ({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test` }),
  },
} as const;

type Fault = 'cut' | 'half-open' | 'terminated';

interface Started {
  readonly app: AppProcess;
  readonly proxy: TcpProxy;
  readonly api: ApiClient;
  readonly secrets: Record<string, string>;
}

async function start(store: 'redis' | 'postgres', label: string): Promise<Started> {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: TARGETS[store].port });
  const secrets = testSecrets();
  const isolation: Record<string, string> =
    store === 'redis'
      ? { RAMPART_KEY_PREFIX: `${redisPrefix?.prefix}${label}:` }
      : { DATABASE_SCHEMA: pg?.schema as string };
  const app = await startApp({
    args: ['--port', '0', '--store', store, ...(store === 'postgres' ? [] : ['--fresh'])],
    env: { ...isolation, ...secrets, ...TARGETS[store].env(proxy.port) },
  });
  return { app, proxy, api: new ApiClient(app.url, secrets), secrets };
}

async function injectFault(fault: Fault, proxy: TcpProxy) {
  if (fault === 'cut') await proxy.stop();
  else if (fault === 'half-open') proxy.blackhole();
  else if (pg !== undefined) {
    // Exactly the app's backends: the ones whose client port is one of the proxy's.
    const ports = proxy.upstreamLocalPorts();
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where client_port = any(${ports}::int[])`.execute(
      pg.db,
    );
  }
}

const CASES: Array<['redis' | 'postgres', Fault]> = [
  ['redis', 'cut'],
  ['redis', 'half-open'],
  ['postgres', 'cut'],
  ['postgres', 'half-open'],
  ['postgres', 'terminated'],
];

describe.each(CASES)('%s, %s mid-load', (store, fault) => {
  it.skipIf(!available[store])(
    'refuses with 503 problems, never hangs or 500s, loses no security state, and recovers',
    async () => {
      const { app, proxy, api, secrets } = await start(store, `${fault}`);
      let running = false;
      try {
        // Security state written before the fault: a spent refresh token and a used signature.
        const account = newAccount('before');
        await api.register(account);
        const pair = await api.login(account);
        const spent = await api.post('/api/v1/auth/refresh', { refreshToken: pair.refreshToken });
        expect(spent.status).toBe(200);
        const path = '/api/v1/entities/before/records';
        const raw = JSON.stringify({ data: { before: true } });
        const { signRequest } = await import('@rampart/request-signing/client');
        const signature = await signRequest({
          method: 'POST',
          url: new URL(path, api.baseUrl),
          body: raw,
          keyId: secrets.SIGNING_KEY_ID as string,
          secret: secrets.SIGNING_SECRET as string,
        });
        const accessToken = spent.body.accessToken as string;
        const first = await api.post(path, undefined, {
          raw,
          token: accessToken,
          headers: signature,
        });
        expect(first.status).toBe(201);

        const workers = await prepareWorkers(api, 6);
        running = true;
        const traffic = load(api, workers, () => running).finally(() => {
          running = false;
        });
        traffic.catch(() => {}); // awaited below; a failure before that still stops the loop
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await injectFault(fault, proxy);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await proxy.start();
        expect(await recovered(api)).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        running = false;
        const answers = await traffic;

        const statuses = answers.map((answer) => answer.status);
        const unexpected = statuses.filter((status) => !ALLOWED.has(status));
        expect(unexpected, `statuses: ${[...new Set(statuses)].join()}`).toEqual([]);
        if (fault !== 'terminated') expect(statuses).toContain(503);
        for (const answer of answers.filter((candidate) => candidate.status === 503)) {
          expectStoreDownRefusal(answer);
        }

        // After: the spent refresh token and the used signature are still refused.
        const reuse = await api.post('/api/v1/auth/refresh', { refreshToken: pair.refreshToken });
        expect(reuse.status).toBe(401);
        const fresh = await api.login(account);
        const replay = await api.post(path, undefined, {
          raw,
          token: fresh.accessToken,
          headers: signature,
        });
        expect(replay.status).toBe(401);
        // And the app serves again on its own.
        const me = await api.get('/api/v1/me', { token: fresh.accessToken });
        expect(me.status).toBe(200);
      } finally {
        running = false;
        // The app first, while its store is reachable: on SIGTERM it flushes the audit trail
        // to Postgres, and a flush that cannot write is an exit code 1, as it should be.
        const code = await app.stop();
        await proxy.stop();
        expect(code, app.output()).toBe(0);
      }
    },
  );
});
