import { randomBytes, randomUUID } from 'node:crypto';
import { signRequest } from '@rampart/request-signing/client';
import {
  createRedisClient,
  createRedisClusterClient,
  isolatedPostgresSchema,
  isolatedRedisClusterPrefix,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { generateSync } from 'otplib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { type AppCluster, startAppCluster } from './app-cluster.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// The exactness cases of one process, with three processes sharing the store behind one port:
// every count below is the single-process number (EXAMPLE-API.md's limits), nothing more.
// One file on purpose: each store's three processes start once (tens of seconds on a loaded
// host) and serve every case.
const STORES = ['redis', 'redis-cluster', 'postgres'] as const;
const available = {
  redis: await serviceAvailable('redis'),
  'redis-cluster': await serviceAvailable('redis-cluster'),
  postgres: await serviceAvailable('postgres'),
};
const redis = available.redis ? createRedisClient() : undefined;
const redisPrefix = redis === undefined ? undefined : isolatedRedisPrefix(redis);
const redisCluster = available['redis-cluster'] ? createRedisClusterClient() : undefined;
const clusterPrefix =
  redisCluster === undefined ? undefined : isolatedRedisClusterPrefix(redisCluster);
const pg = available.postgres ? await isolatedPostgresSchema({ max: 2 }) : undefined;
afterAll(async () => {
  await redisPrefix?.cleanup();
  await redis?.quit();
  await clusterPrefix?.cleanup();
  await redisCluster?.quit();
  await pg?.cleanup();
});

/** Each store's isolation: a key prefix of its own, or a schema of its own. */
function isolationOf(store: (typeof STORES)[number]): Record<string, string> {
  if (store === 'redis') return { RAMPART_KEY_PREFIX: `${redisPrefix?.prefix}three:` };
  if (store === 'redis-cluster') return { RAMPART_KEY_PREFIX: `${clusterPrefix?.prefix}three:` };
  return { DATABASE_SCHEMA: pg?.schema as string };
}

/** The session cap the processes run with (MAX_SESSIONS_PER_USER). */
const SESSION_CAP = 3;

/** The code an authenticator app shows for `otpauthUrl`, `offset` steps from now. */
function totpOf(otpauthUrl: string, offset = 0): string {
  const secret = new URL(otpauthUrl).searchParams.get('secret') as string;
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offset * 30 });
}

function countOf(statuses: readonly number[], status: number): number {
  return statuses.filter((candidate) => candidate === status).length;
}

describe.each(STORES)('three app processes on %s', (store) => {
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
    const env = {
      ...isolationOf(store),
      ...secrets,
      // What seals stored state must be the same in every process, as in any deployment of
      // several instances: each would otherwise generate its own and open none of the others'
      // MFA secrets, kept responses or API-key hashes.
      ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
      API_KEY_PEPPER: randomBytes(32).toString('base64url'),
      AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
      MAX_SESSIONS_PER_USER: String(SESSION_CAP),
      // The balancer connects from 127.0.0.1: X-Forwarded-For then names the client, so the
      // session case signs in from 20 addresses (each with its own login budget). Requests
      // without the header are the balancer's own address, as before.
      TRUSTED_PROXIES: 'loopback',
    };
    cluster = await startAppCluster({ store, env });
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

  onService(
    'an API key with 5 requests left verified 20 times at once: exactly 5 pass, 15 limited',
    async () => {
      const account = newAccount('quota');
      await api.register(account);
      const { accessToken } = await api.login(account);
      const created = await api.post(
        '/api/v1/api-keys',
        { name: 'quota', scopes: ['entities:read'], rateLimitPerHour: 5 },
        { token: accessToken },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const headers = { 'x-api-key': created.body.key as string };
      const statuses = (
        await Promise.all(
          Array.from({ length: 20 }, () => api.get('/api/v1/entities/quota/records', { headers })),
        )
      ).map((response) => response.status);
      expect(countOf(statuses, 200)).toBe(5);
      expect(countOf(statuses, 429)).toBe(15);
    },
  );

  onService(
    `twenty concurrent sign-ins of one user with a cap of ${SESSION_CAP}: exactly ${SESSION_CAP} sessions live`,
    async () => {
      const account = newAccount('cap');
      await api.register(account);
      // One browser per address: the same User-Agent on every request, its own forwarded IP.
      const browser = (index: number) => ({
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
        'x-forwarded-for': `198.51.100.${index + 1}`,
      });
      const signIns = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          api.post('/api/v1/sessions', account, { headers: browser(index) }),
        ),
      );
      // A sign-in the store cannot serve in time (each waits for the user's row while the
      // others before it hold it, on a loaded host) fails closed: 503, no cookie. Nothing else.
      const created = signIns.filter((response) => response.status === 201);
      for (const response of signIns) {
        if (response.status !== 201) expectProblem(response, 503, 'ERR_STORE_UNAVAILABLE');
      }
      expect(created.length).toBeGreaterThan(SESSION_CAP);
      const cookies = created.map(
        (response) => (response.headers.getSetCookie()[0] as string).split(';')[0] as string,
      );
      const me = await Promise.all(
        cookies.map((cookie, index) =>
          api.get('/api/v1/me', { headers: { ...browser(index), cookie } }),
        ),
      );
      const live = me.map((response) => response.status);
      const survivor = live.indexOf(200);
      const listed = await api.get('/api/v1/sessions', {
        headers: { ...browser(survivor), cookie: cookies[survivor] as string },
      });
      // The user's sessions, a JSON array: exactly the cap, whoever signed in last.
      const listedIds = (listed.body as unknown as Array<{ id: string }>).map(({ id }) => id);
      expect(listedIds).toHaveLength(SESSION_CAP);
      // Every listed session is one a 201 handed out (a 503's transaction may have committed
      // before its deadline passed: then its session is listed, and one cookie fewer lives).
      const createdIds = new Set(created.map((response) => response.body.id));
      expect(countOf(live, 200)).toBe(listedIds.filter((id) => createdIds.has(id)).length);
      expect(countOf(live, 200) + countOf(live, 401)).toBe(created.length);
    },
  );

  onService(
    'one TOTP code sent 20 times at once through every process: accepted exactly once',
    async () => {
      const account = newAccount('totp');
      await api.register(account);
      const { accessToken } = await api.login(account);
      const setup = await api.post('/api/v1/auth/mfa/setup', undefined, { token: accessToken });
      expect(setup.status, JSON.stringify(setup.body)).toBe(200);
      const otpauthUrl = setup.body.otpauthUrl as string;
      // Enabled with the previous step's code, so the current one is still unspent.
      const enable = await api.post(
        '/api/v1/auth/mfa/enable',
        { code: totpOf(otpauthUrl, -1) },
        { token: accessToken },
      );
      expect(enable.status, JSON.stringify(enable.body)).toBe(200);
      const mfaTokens = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const login = await api.post('/api/v1/auth/login', account);
          expect(login.body.mfaRequired, JSON.stringify(login.body)).toBe(true);
          return login.body.mfaToken as string;
        }),
      );
      const code = totpOf(otpauthUrl);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          api.post('/api/v1/auth/mfa/challenge', { mfaToken: mfaTokens[index % 4], code }),
        ),
      );
      const statuses = answers.map((response) => response.status);
      expect(countOf(statuses, 200)).toBe(1);
      // The others: the code replayed, their token spent by the winner, or the user's MFA
      // locked after five failures; never a second pair, never a 5xx.
      for (const refusal of answers.filter((response) => response.status !== 200)) {
        expect(['ERR_MFA_CODE_REPLAYED', 'ERR_MFA_TOKEN_INVALID', 'ERR_MFA_LOCKED']).toContain(
          refusal.body.code,
        );
      }
      expect(countOf(statuses, 401) + countOf(statuses, 429)).toBe(19);
    },
  );

  onService(
    'fifty concurrent signed retries with one Idempotency-Key: the handler runs once',
    async () => {
      const account = newAccount('idem');
      await api.register(account);
      const { accessToken } = await api.login(account);
      const path = `/api/v1/entities/idem-${randomUUID().slice(0, 8)}/records`;
      const raw = JSON.stringify({ data: { order: 1 } });
      const key = `"${randomUUID()}"`;
      // A fresh nonce and signature each, as real retries have: only the key ties them.
      const answers = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const signature = await signRequest({
            method: 'POST',
            url: new URL(path, api.baseUrl),
            body: raw,
            keyId: secrets.SIGNING_KEY_ID as string,
            secret: secrets.SIGNING_SECRET as string,
          });
          return api.post(path, undefined, {
            raw,
            token: accessToken,
            headers: { ...signature, 'idempotency-key': key },
          });
        }),
      );
      const fresh = answers.filter(
        (answer) => answer.status === 201 && answer.headers.get('idempotency-replayed') === null,
      );
      const replayed = answers.filter(
        (answer) => answer.status === 201 && answer.headers.get('idempotency-replayed') === 'true',
      );
      expect(fresh).toHaveLength(1);
      const inFlight = answers.filter((answer) => answer.status === 409);
      for (const answer of inFlight) expectProblem(answer, 409, 'ERR_IDEMPOTENCY_IN_FLIGHT');
      expect(replayed.length + inFlight.length).toBe(49);
      for (const answer of replayed) expect(answer.body).toEqual(fresh[0]?.body);
      const list = await api.get(path, { token: accessToken });
      expect(list.body.records).toEqual([fresh[0]?.body]);
    },
  );
});
