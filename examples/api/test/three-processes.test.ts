import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, newAccount, testSecrets } from './api-client.js';
import { type AppCluster, startAppCluster } from './app-cluster.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// The exactness cases of one process, with three processes sharing the store behind one port:
// every count below is the single-process number (EXAMPLE-API.md's limits), nothing more.
const available = {
  redis: await serviceAvailable('redis'),
  postgres: await serviceAvailable('postgres'),
};
const redis = available.redis ? createRedisClient() : undefined;
const redisPrefix = redis === undefined ? undefined : isolatedRedisPrefix(redis);
const pg = available.postgres ? await isolatedPostgresSchema({ max: 2 }) : undefined;
afterAll(async () => {
  await redisPrefix?.cleanup();
  await redis?.quit();
  await pg?.cleanup();
});

function countOf(statuses: readonly number[], status: number): number {
  return statuses.filter((candidate) => candidate === status).length;
}

describe.each(['redis', 'postgres'] as const)('three app processes on %s', (store) => {
  const onService = it.skipIf(!available[store]);
  let cluster: AppCluster | undefined;
  let api: ApiClient;
  let secrets: Record<string, string>;

  afterAll(async () => {
    const codes = await cluster?.stop();
    if (codes !== undefined) expect(codes).toEqual([0, 0, 0]);
  });

  onService('start behind one balancer that spreads connections over all three', async () => {
    secrets = testSecrets();
    const isolation: Record<string, string> =
      store === 'redis'
        ? { RAMPART_KEY_PREFIX: `${redisPrefix?.prefix}three:` }
        : { DATABASE_SCHEMA: pg?.schema as string };
    cluster = await startAppCluster({ store, env: { ...isolation, ...secrets } });
    api = new ApiClient(cluster.url, secrets);
    const health = await Promise.all(Array.from({ length: 9 }, () => api.get('/health')));
    expect(health.map((response) => response.status)).toEqual(Array(9).fill(200));
    expect(cluster.balancer.connectionsPerBackend().every((count) => count > 0)).toBe(true);
  });

  onService('twenty concurrent registrations of one email: exactly one 201', async () => {
    const account = newAccount('three');
    const statuses = (
      await Promise.all(
        Array.from({ length: 20 }, () => api.post('/api/v1/auth/register', account)),
      )
    ).map((response) => response.status);
    expect(countOf(statuses, 201)).toBe(1);
    expect(countOf(statuses, 409)).toBe(19);
  });

  onService(
    'twenty concurrent wrong logins of one email: exactly 5 answered, 15 limited',
    async () => {
      const account = newAccount('limit');
      await api.register(account);
      const statuses = (
        await Promise.all(
          Array.from({ length: 20 }, () =>
            api.post('/api/v1/auth/login', {
              email: account.email,
              password: 'wrong-password-123',
            }),
          ),
        )
      ).map((response) => response.status);
      expect(countOf(statuses, 401)).toBe(5);
      expect(countOf(statuses, 429)).toBe(15);
    },
  );

  onService(
    'one refresh token spent by ten concurrent requests: one new pair, then the family dies',
    async () => {
      const account = newAccount('refresh');
      await api.register(account);
      const { refreshToken } = await api.login(account);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => api.post('/api/v1/auth/refresh', { refreshToken })),
      );
      const winners = responses.filter((response) => response.status === 200);
      expect(winners).toHaveLength(1);
      expect(
        countOf(
          responses.map((response) => response.status),
          401,
        ),
      ).toBe(9);
      // The reuse revoked the family: the pair the winner got is dead in every process.
      const next = winners[0]?.body.refreshToken as string;
      const afterReuse = await Promise.all(
        Array.from({ length: 3 }, () => api.post('/api/v1/auth/refresh', { refreshToken: next })),
      );
      expect(afterReuse.map((response) => response.status)).toEqual([401, 401, 401]);
    },
  );

  onService('one signed request replayed ten times at once: one record', async () => {
    const account = newAccount('replay');
    await api.register(account);
    const { accessToken } = await api.login(account);
    const path = '/api/v1/entities/three-proc/records';
    const raw = JSON.stringify({ data: { n: 1 } });
    const signed = await api.signedPost(path, raw, accessToken);
    expect(signed.status, JSON.stringify(signed.body)).toBe(201);
    // The same headers again, at once, through every process: the nonce is spent everywhere.
    const { signRequest } = await import('@rampart/request-signing/client');
    const headers = await signRequest({
      method: 'POST',
      url: new URL(path, api.baseUrl),
      body: raw,
      keyId: secrets.SIGNING_KEY_ID as string,
      secret: secrets.SIGNING_SECRET as string,
    });
    const replays = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post(path, undefined, { raw, token: accessToken, headers }),
      ),
    );
    const statuses = replays.map((response) => response.status);
    expect(countOf(statuses, 201)).toBe(1);
    expect(countOf(statuses, 401)).toBe(9);
    const list = await api.get(path, { token: accessToken });
    // The first request and the one replay that won: two records, not eleven.
    expect(list.body.records).toHaveLength(2);
  });

  onService(
    '110 concurrent reads against 100 a minute per principal: exactly 100 pass',
    async () => {
      const account = newAccount('budget');
      await api.register(account);
      const { accessToken } = await api.login(account);
      const statuses = (
        await Promise.all(
          Array.from({ length: 110 }, () =>
            api.get('/api/v1/entities/budget/records', { token: accessToken }),
          ),
        )
      ).map((response) => response.status);
      expect(countOf(statuses, 200)).toBe(100);
      expect(countOf(statuses, 429)).toBe(10);
    },
  );
});
