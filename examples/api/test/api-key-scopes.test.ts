/**
 * An API key is its owner limited to its scopes (EXAMPLE-API.md, "API keys"): on every route it
 * reaches, not only on /api/v1/entities. `/me` and `/privacy/my-data` need `profile:read`; the
 * routes that control the account (keys, password, MFA, sessions, logout, consent, deletion,
 * admin) refuse a key whatever its scopes, so a leaked key never mints keys or changes
 * credentials. Bearer callers keep every route.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, type StoreKind } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import {
  ApiClient,
  type ApiResponse,
  expectProblem,
  newAccount,
  testSecrets,
} from './api-client.js';
import { available, isolation, redisPrefix } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const KEYS = '/api/v1/api-keys';

/** A route call: method, path (`:key` is the id of the caller's own key) and body. */
interface RouteCall {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

/** The account-control routes: refused to every key, whatever its scopes. */
function accountRoutes(keyId: string, password: string): RouteCall[] {
  return [
    { method: 'POST', path: KEYS, body: { name: 'minted', scopes: ['entities:read'] } },
    { method: 'GET', path: KEYS },
    { method: 'POST', path: `${KEYS}/${keyId}/rotate`, body: { graceSeconds: 0 } },
    { method: 'DELETE', path: `${KEYS}/${keyId}` },
    { method: 'POST', path: '/api/v1/auth/mfa/setup' },
    { method: 'POST', path: '/api/v1/auth/mfa/enable', body: { code: '123456' } },
    { method: 'POST', path: '/api/v1/auth/mfa/disable', body: { code: '123456' } },
    { method: 'POST', path: '/api/v1/auth/mfa/recovery-codes', body: { code: '123456' } },
    {
      method: 'POST',
      path: '/api/v1/auth/password',
      body: { currentPassword: password, newPassword: `${password}-new` },
    },
    { method: 'GET', path: '/api/v1/sessions' },
    { method: 'DELETE', path: '/api/v1/sessions' },
    { method: 'DELETE', path: '/api/v1/sessions/current' },
    { method: 'DELETE', path: '/api/v1/sessions/AAAAAAAAAAAAAAAAAAAAAA' },
    { method: 'POST', path: '/api/v1/auth/logout' },
    { method: 'POST', path: '/api/v1/auth/logout-all' },
    { method: 'POST', path: '/api/v1/privacy/consent', body: { analytics: true, marketing: true } },
    { method: 'DELETE', path: '/api/v1/privacy/my-account', body: { password } },
  ];
}

/** Admin routes, tried with a key of the super_admin (whose role holds every permission). */
const ADMIN_ROUTES: RouteCall[] = [
  { method: 'GET', path: '/api/v1/admin/users' },
  { method: 'POST', path: '/api/v1/admin/users/nobody/role', body: { role: 'guest' } },
  { method: 'GET', path: '/api/v1/admin/security/settings' },
  { method: 'GET', path: '/api/v1/admin/audit' },
  { method: 'GET', path: '/api/v1/admin/sessions' },
];

interface Started {
  app: AppProcess;
  api: ApiClient;
  secrets: Record<string, string>;
}

async function start(framework: string, store: StoreKind): Promise<Started> {
  const secrets = testSecrets();
  const env: Record<string, string> = { ...secrets, ...isolation };
  if (redisPrefix !== undefined) {
    env.RAMPART_KEY_PREFIX = `${redisPrefix.prefix}${framework}:${store}:`;
  }
  const app = await startApp({
    args: ['--port', '0', '--framework', framework, '--store', store, '--fresh'],
    env,
  });
  return { app, api: new ApiClient(app.url, secrets), secrets };
}

function call(api: ApiClient, route: RouteCall, headers: Record<string, string>) {
  return api.request(route.method, route.path, route.body, { headers });
}

function label(route: RouteCall, response: ApiResponse): string {
  return `${route.method} ${route.path} → ${response.status} ${JSON.stringify(response.body)}`;
}

interface KeyBody {
  id: string;
  key: string;
}

async function createKey(api: ApiClient, token: string, scopes: string[]): Promise<KeyBody> {
  const created = await api.post(KEYS, { name: scopes.join('+'), scopes }, { token });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as unknown as KeyBody;
}

const MATRIX_STORES: StoreKind[] = ['memory', 'redis'];
const matrix = FRAMEWORKS.flatMap((framework) =>
  MATRIX_STORES.map((store) => [framework, store] as const),
);

describe.each(matrix)('API key scopes on %s with the %s store', (framework, store) => {
  let started: Started;
  let api: ApiClient;
  let token: string;
  let account: { email: string; password: string };
  let readKey: KeyBody;
  let profileKey: KeyBody;

  beforeAll(async () => {
    if (!available[store]) return;
    started = await start(framework, store);
    api = started.api;
    account = newAccount('scopes');
    await api.register(account);
    token = (await api.login(account)).accessToken;
    readKey = await createKey(api, token, ['entities:read']);
    profileKey = await createKey(api, token, ['profile:read']);
  });
  afterAll(async () => {
    if (started !== undefined) expect(await started.app.stop()).toBe(0);
  });

  const withKey = (key: KeyBody) => ({ 'x-api-key': key.key });

  it.skipIf(!available[store])(
    '/me and /privacy/my-data need profile:read; entities need their own scope',
    async () => {
      for (const path of ['/api/v1/me', '/api/v1/privacy/my-data']) {
        expectProblem(
          await api.get(path, { headers: withKey(readKey) }),
          403,
          'ERR_INSUFFICIENT_SCOPE',
        );
        const allowed = await api.get(path, { headers: withKey(profileKey) });
        expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
      }
      const me = await api.get('/api/v1/me', { headers: withKey(profileKey) });
      expect(me.body).toMatchObject({ email: account.email, authMethod: 'api-key' });
      const records = '/api/v1/entities/e1/records';
      expect((await api.get(records, { headers: withKey(readKey) })).status).toBe(200);
      expectProblem(
        await api.get(records, { headers: withKey(profileKey) }),
        403,
        'ERR_INSUFFICIENT_SCOPE',
      );
    },
  );

  it.skipIf(!available[store])(
    'refuses every account-control route to a key, whatever its scopes, and changes nothing',
    async () => {
      for (const key of [readKey, profileKey]) {
        for (const route of accountRoutes(key.id, account.password)) {
          const response = await call(api, route, withKey(key));
          expect(response.status, label(route, response)).toBe(403);
          expectProblem(response, 403, 'ERR_INSUFFICIENT_SCOPE');
        }
      }
      // Nothing happened: no key was minted, rotated or revoked, the password and the token
      // still work, and both keys still authenticate.
      const listed = await api.get(KEYS, { token });
      expect(listed.status).toBe(200);
      expect((listed.body as unknown as unknown[]).length).toBe(2);
      expect((await api.get('/api/v1/me', { token })).status).toBe(200);
      await api.login(account);
      expect((await api.get('/api/v1/me', { headers: withKey(profileKey) })).status).toBe(200);
      expect(
        (await api.get('/api/v1/entities/e1/records', { headers: withKey(readKey) })).status,
      ).toBe(200);
    },
  );

  it.skipIf(!available[store])('refuses the admin routes to a super_admin key', async () => {
    const admin = await api.loginAdmin();
    const adminKey = await createKey(api, admin.accessToken, [
      'entities:read',
      'entities:write',
      'profile:read',
    ]);
    for (const route of ADMIN_ROUTES) {
      const response = await call(api, route, withKey(adminKey));
      expect(response.status, label(route, response)).toBe(403);
      expectProblem(response, 403, 'ERR_INSUFFICIENT_SCOPE');
    }
    // The same admin's bearer token keeps its routes.
    const users = await api.get('/api/v1/admin/users', { token: admin.accessToken });
    expect(users.status, JSON.stringify(users.body)).toBe(200);
  });

  it.skipIf(!available[store])('leaves bearer-token callers every account route', async () => {
    const other = newAccount('bearer');
    await api.register(other);
    const own = (await api.login(other)).accessToken;
    const bearer = { authorization: `Bearer ${own}` };
    const key = await createKey(api, own, ['entities:read']);
    const expected: Record<string, number> = {
      [`GET ${KEYS}`]: 200,
      [`POST ${KEYS}/${key.id}/rotate`]: 200,
      [`DELETE ${KEYS}/${key.id}`]: 204,
      'POST /api/v1/auth/mfa/setup': 200,
      'GET /api/v1/sessions': 200,
      'POST /api/v1/privacy/consent': 200,
      'GET /api/v1/privacy/my-data': 200,
      'GET /api/v1/me': 200,
    };
    for (const [route, status] of Object.entries(expected)) {
      const [method, path] = route.split(' ') as [string, string];
      const body = route.endsWith('consent')
        ? { analytics: false, marketing: false }
        : route.endsWith('rotate')
          ? { graceSeconds: 0 }
          : undefined;
      const response = await api.request(method, path, body, { headers: bearer });
      expect(response.status, `${route} → ${JSON.stringify(response.body)}`).toBe(status);
    }
    const changed = await api.post(
      '/api/v1/auth/password',
      { currentPassword: other.password, newPassword: `${other.password}-2` },
      { token: own },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  });
});

// The representative route on every store: a key never mints a key, on any store's key lookup.
describe.each(FRAMEWORKS)('a key cannot mint keys on %s with the postgres store', (framework) => {
  let started: Started;
  beforeAll(async () => {
    if (!available.postgres) return;
    started = await start(framework, 'postgres');
  });
  afterAll(async () => {
    if (started !== undefined) expect(await started.app.stop()).toBe(0);
  });

  it.skipIf(!available.postgres)('POST /api/v1/api-keys with X-API-Key → 403', async () => {
    const { api } = started;
    const account = newAccount('pg-scopes');
    await api.register(account);
    const { accessToken } = await api.login(account);
    const key = await createKey(api, accessToken, ['entities:read', 'profile:read']);
    const minted = await api.post(
      KEYS,
      { name: 'minted', scopes: ['entities:read'] },
      { headers: { 'x-api-key': key.key } },
    );
    expectProblem(minted, 403, 'ERR_INSUFFICIENT_SCOPE');
    const listed = await api.get(KEYS, { token: accessToken });
    expect((listed.body as unknown as unknown[]).length).toBe(1);
    expect((await api.get('/api/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
  });
});
