import { signRequest } from '@rampart/request-signing/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, pg, redisPrefix } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const KEYS = '/api/v1/api-keys';
/** A route every key of these tests may use (`entities:read`). */
const READ = '/api/v1/entities/e1/records';
/** What POST /api/v1/api-keys answers (the fields these tests read). */
interface KeyBody {
  id: string;
  key: string;
  signingSecret: string;
  prefix: string;
}

const KEY_FORMAT = /^rk_live_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/;

const cases = FRAMEWORKS.flatMap((framework) =>
  STORE_KINDS.map((store) => [framework, store] as const),
);

describe.each(cases)('API keys on %s with the %s store', (framework, store) => {
  let app: AppProcess;
  let api: ApiClient;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    const env: Record<string, string> = { ...secrets };
    if (redisPrefix !== undefined) env.RAMPART_KEY_PREFIX = `${redisPrefix.prefix}${framework}:`;
    if (pg !== undefined) env.DATABASE_SCHEMA = pg.schema;
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store, '--fresh'],
      env,
    });
    api = new ApiClient(app.url, secrets);
    const account = newAccount('keys');
    userId = await api.register(account);
    token = (await api.login(account)).accessToken;
  });
  afterAll(async () => {
    if (app !== undefined) expect(await app.stop()).toBe(0);
  });

  const withKey = (key: string) => ({ headers: { 'x-api-key': key } });

  it.skipIf(!available[store])(
    'creates a key shown once, authenticates with X-API-Key, lists it without secrets',
    async () => {
      const created = await api.post(KEYS, { name: 'CI', scopes: ['entities:read'] }, { token });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const { id, key, signingSecret, prefix } = created.body as unknown as KeyBody;
      expect(key).toMatch(KEY_FORMAT);
      expect(key.startsWith(`${prefix}_`)).toBe(true);
      expect(signingSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({ scopes: ['entities:read'], expiresAt: null });
      expect(typeof created.body.rotationDueAt).toBe('string');
      const listed = await api.get(KEYS, { token });
      expect(listed.status).toBe(200);
      const text = JSON.stringify(listed.body);
      expect(text).toContain(id);
      expect(text).not.toContain(key);
      expect(text).not.toContain(signingSecret);
      const reads = await api.get('/api/v1/entities/e1/records', withKey(key));
      expect(reads.status, JSON.stringify(reads.body)).toBe(200);
      // The key's owner, as the same auth context a token or a session gives.
      // /me needs profile:read from a key (a key with entities:read alone is refused).
      expectProblem(await api.get('/api/v1/me', withKey(key)), 403, 'ERR_INSUFFICIENT_SCOPE');
      const reader = await api.post(KEYS, { name: 'me', scopes: ['profile:read'] }, { token });
      const me = await api.get('/api/v1/me', withKey(reader.body.key as string));
      expect(me.body).toMatchObject({ id: expect.any(String), authMethod: 'api-key' });
    },
  );

  it.skipIf(!available[store])(
    'refuses a typo, a rotated-away key and a revoked one alike; a missing scope with 403',
    async () => {
      const create = async (scopes: string[]) =>
        (await api.post(KEYS, { name: 'k', scopes }, { token })).body as unknown as KeyBody;
      const { key, id } = await create(['entities:read']);
      const typo = `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;
      expectProblem(await api.get(READ, withKey(typo)), 401, 'ERR_API_KEY_INVALID');
      const rotated = await api.post(`${KEYS}/${id}/rotate`, { graceSeconds: 0 }, { token });
      expect(rotated.body.previousKeyValidUntil).toBeNull();
      expectProblem(await api.get(READ, withKey(key)), 401, 'ERR_API_KEY_INVALID');
      const writer = await create(['entities:write']);
      expectProblem(
        await api.get('/api/v1/entities/e1/records', withKey(writer.key as string)),
        403,
        'ERR_INSUFFICIENT_SCOPE',
      );
      const revoke = () => api.request('DELETE', `${KEYS}/${writer.id}`, undefined, { token });
      expect((await revoke()).status).toBe(204);
      expectProblem(await api.get(READ, withKey(writer.key as string)), 401, 'ERR_API_KEY_INVALID');
      expectProblem(await revoke(), 404, 'ERR_API_KEY_NOT_FOUND');
    },
  );

  it.skipIf(!available[store])(
    'refuses a key minting keys with 403 ERR_INSUFFICIENT_SCOPE and bad bodies with 400',
    async () => {
      const created = await api.post(KEYS, { name: 'r', scopes: ['entities:read'] }, { token });
      const key = created.body.key as string;
      // A key never mints a key, whatever the scopes asked (api-key-scopes.test.ts).
      expectProblem(
        await api.post(KEYS, { name: 'x', scopes: ['entities:read'] }, withKey(key)),
        403,
        'ERR_INSUFFICIENT_SCOPE',
      );
      expectProblem(await api.post(KEYS, { name: 'x', scopes: ['admin:*'] }, { token }), 400);
      expectProblem(
        await api.post(
          KEYS,
          { name: 'x', scopes: ['entities:read'], rateLimitPerHour: 0 },
          { token },
        ),
        400,
      );
      expectProblem(await api.post(`${KEYS}/not-a-key-id/rotate`, {}, { token }), 400);
    },
  );

  it.skipIf(!available[store])(
    'rotates with grace: both keys work, then a key over its hourly limit gets 429, never 401',
    async () => {
      const created = await api.post(
        KEYS,
        { name: 'limited', scopes: ['entities:read'], rateLimitPerHour: 3 },
        { token },
      );
      const { id, key } = created.body as unknown as KeyBody;
      const rotated = await api.post(`${KEYS}/${id}/rotate`, { graceSeconds: 600 }, { token });
      expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
      expect(rotated.body.id).toBe(id);
      expect(typeof rotated.body.previousKeyValidUntil).toBe('string');
      const fresh = rotated.body.key as string;
      expect((await api.get(READ, withKey(key))).status).toBe(200);
      expect((await api.get(READ, withKey(fresh))).status).toBe(200);
      // The key's own limit counts on every route it authenticates, one that then refuses it too.
      expectProblem(await api.get(KEYS, withKey(fresh)), 403, 'ERR_INSUFFICIENT_SCOPE');
      const limited = await api.get(READ, withKey(fresh));
      expectProblem(limited, 429, 'ERR_RATE_LIMIT_EXCEEDED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    },
  );

  it.skipIf(!available[store])(
    'takes a compromise report without authentication: 202 either way, the real key revoked',
    async () => {
      const { key } = (
        await api.post(KEYS, { name: 'leaked', scopes: ['entities:read'] }, { token })
      ).body as unknown as KeyBody;
      const bogus = await api.post(`${KEYS}/report-compromised`, { key: 'rk_live_nothing' });
      expect(bogus.status).toBe(202);
      const real = await api.post(`${KEYS}/report-compromised`, { key });
      expect(real.status).toBe(202);
      expectProblem(await api.get(READ, withKey(key)), 401, 'ERR_API_KEY_INVALID');
    },
  );

  it.skipIf(!available[store])(
    "signs a request with an API key's id and signing secret",
    async () => {
      const { id, key, signingSecret } = (
        await api.post(
          KEYS,
          { name: 'signer', scopes: ['entities:read', 'entities:write'] },
          { token },
        )
      ).body as unknown as KeyBody;
      const path = '/api/v1/entities/signed-by-key/records';
      const body = '{"data":{"signed":true}}';
      const headers = await signRequest({
        method: 'POST',
        url: new URL(path, api.baseUrl),
        body,
        keyId: id as string,
        secret: signingSecret as string,
      });
      const response = await api.post(path, undefined, {
        raw: body,
        headers: { ...headers, 'x-api-key': key as string },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.body.createdBy).toBe(userId);
    },
  );
});
