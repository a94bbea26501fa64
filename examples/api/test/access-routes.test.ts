import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, isolation as storeIsolation } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const isolation: Record<string, string> = {
  ...storeIsolation,
  TRUSTED_PROXIES: '127.0.0.1/32,::1/128',
};

const ADMIN_ROUTES = [
  ['GET', '/api/v1/admin/users'],
  ['HEAD', '/api/v1/admin/users'],
  ['OPTIONS', '/api/v1/admin/users'],
  ['POST', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/role'],
  ['OPTIONS', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/role'],
  ['GET', '/api/v1/admin/security/settings'],
  ['HEAD', '/api/v1/admin/security/settings'],
  ['OPTIONS', '/api/v1/admin/security/settings'],
  ['PATCH', '/api/v1/admin/security/settings'],
  // The audit module's admin routes (EXAMPLE-API.md, "Admin").
  ...[
    '/api/v1/admin/audit',
    '/api/v1/admin/audit/verify',
    '/api/v1/admin/security/metrics',
    '/api/v1/admin/security/anomalies',
  ].flatMap((path) =>
    (['GET', 'HEAD', 'OPTIONS'] as const).map((method) => [method, path] as const),
  ),
  ...(['lock', 'unlock'] as const).flatMap((action) =>
    (['POST', 'OPTIONS'] as const).map(
      (method) =>
        [method, `/api/v1/admin/users/00000000-0000-4000-8000-000000000000/${action}`] as const,
    ),
  ),
  // The sessions module's admin routes.
  ...(['GET', 'HEAD', 'OPTIONS'] as const).map(
    (method) =>
      [method, '/api/v1/admin/sessions?userId=00000000-0000-4000-8000-000000000000'] as const,
  ),
  ...(['DELETE', 'OPTIONS'] as const).map(
    (method) =>
      [method, '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/sessions'] as const,
  ),
] as const;

/** A client IP claimed through X-Forwarded-For, believed because the peer is a trusted proxy. */
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

describe.each(STORE_KINDS)('roles, admin routes and settings on %s', (store) => {
  describe.each(FRAMEWORKS)('%s', (framework) => {
    const secrets = testSecrets();
    let app: AppProcess | undefined;
    let second: AppProcess | undefined;
    let api: ApiClient;
    let root: string;
    let user: { id: string; token: string };
    let other: { id: string; token: string };

    beforeAll(async () => {
      if (!available[store]) return;
      const args = ['--port', '0', '--framework', framework, '--store', store];
      app = await startApp({ args: [...args, '--fresh'], env: { ...isolation, ...secrets } });
      if (store !== 'memory') second = await startApp({ args, env: { ...isolation, ...secrets } });
      api = new ApiClient(app.url, secrets);
      root = (await api.loginAdmin()).accessToken;
      for (const which of ['user', 'other'] as const) {
        const account = newAccount(which);
        const id = await api.register(account);
        const entry = { id, token: (await api.login(account)).accessToken };
        if (which === 'user') user = entry;
        else other = entry;
      }
    });
    afterAll(async () => {
      await app?.stop();
      await second?.stop();
    });
    const onStore = it.skipIf(!available[store]);
    const acrossProcesses = it.skipIf(!available[store] || store === 'memory');

    onStore('refuses a user on every admin route, GET, HEAD and OPTIONS included', async () => {
      for (const [method, path] of ADMIN_ROUTES) {
        const refused = await api.request(method, path, undefined, { token: user.token });
        expect(refused.status, `${method} ${path}`).toBe(403);
        if (method !== 'HEAD') {
          expectProblem(refused, 403, 'ERR_FORBIDDEN');
          expect(refused.body.permission).toMatch(/^(users|settings|audit):(read|write)$/);
        }
        expect((await api.request(method, path)).status, `${method} ${path} anonymous`).toBe(401);
      }
    });

    onStore('lists users a page at a time, never a password hash', async () => {
      const first = await api.get('/api/v1/admin/users?limit=2', { token: root });
      expect(first.status).toBe(200);
      const items = first.body.items as Record<string, unknown>[];
      expect(items).toHaveLength(2);
      expect(Object.keys(items[0] as object).sort()).toEqual([
        'createdAt',
        'email',
        'id',
        'locked',
        'mfaEnabled',
        'role',
      ]);
      const next = await api.get(`/api/v1/admin/users?limit=2&cursor=${first.body.nextCursor}`, {
        token: root,
      });
      const all = [...items, ...(next.body.items as Record<string, unknown>[])].map(
        (item) => item.id,
      );
      expect(new Set(all).size).toBe(3);
      expect(next.body.nextCursor).toBeNull();
      expectProblem(await api.get('/api/v1/admin/users?limit=0', { token: root }), 400);
      expectProblem(await api.get('/api/v1/admin/users?cursor=x', { token: root }), 400);
    });

    onStore('changes roles by rank and refuses every escalation', async () => {
      const role = (id: string, value: string, token: string) =>
        api.post(`/api/v1/admin/users/${id}/role`, { role: value }, { token });
      // The user's token from before now carries the new role: the next request sees it.
      expect((await role(user.id, 'admin', root)).status).toBe(200);
      expect((await api.get('/api/v1/admin/users', { token: user.token })).status).toBe(200);
      expectProblem(
        await role(other.id, 'super_admin', user.token),
        403,
        'ERR_PRIVILEGE_ESCALATION',
      );
      expectProblem(
        await role(user.id, 'super_admin', user.token),
        403,
        'ERR_PRIVILEGE_ESCALATION',
      );
      const me = await api.get('/api/v1/me', { token: root });
      expectProblem(
        await role(me.body.id as string, 'guest', user.token),
        403,
        'ERR_PRIVILEGE_ESCALATION',
      );
      expect((await role(other.id, 'admin', user.token)).status).toBe(200);
      expect((await role(other.id, 'guest', user.token)).status).toBe(200);
      expectProblem(await role(other.id, 'owner', user.token), 400);
      expectProblem(
        await api.get('/api/v1/admin/users', { token: other.token }),
        403,
        'ERR_FORBIDDEN',
      );
    });

    onStore('applies settings at once and refuses an invalid patch without a change', async () => {
      const settings = '/api/v1/admin/security/settings';
      const before = await api.get(settings, { token: root });
      expect(before.body).toMatchObject({
        security: { enableIpBlacklist: true, enableIpWhitelist: false },
      });
      const invalid = await api.request(
        'PATCH',
        settings,
        { authentication: { maxConcurrentSessions: 0 } },
        { token: root },
      );
      expectProblem(invalid, 400, 'ERR_SETTINGS_INVALID');
      expect((await api.get(settings, { token: root })).body).toEqual(before.body);

      const blocked = await api.request(
        'PATCH',
        settings,
        { security: { ipBlacklist: ['198.51.100.0/24'] } },
        { token: root },
      );
      expect(blocked.status).toBe(200);
      expectProblem(
        await api.get('/api/v1/me', { token: root, ...from('198.51.100.7') }),
        403,
        'ERR_IP_BLOCKED',
      );
      expect((await api.get('/health', from('198.51.100.7'))).status).toBe(200);
      expect((await api.get('/api/v1/me', { token: root, ...from('203.0.113.7') })).status).toBe(
        200,
      );

      const allowOnly = {
        security: {
          enableIpBlacklist: false,
          enableIpWhitelist: true,
          ipWhitelist: ['127.0.0.1', '198.51.100.0/24'],
        },
      };
      expect((await api.request('PATCH', settings, allowOnly, { token: root })).status).toBe(200);
      expect((await api.get('/api/v1/me', { token: root, ...from('198.51.100.7') })).status).toBe(
        200,
      );
      expectProblem(
        await api.get('/api/v1/me', { token: root, ...from('203.0.113.7') }),
        403,
        'ERR_IP_BLOCKED',
      );
      // CORS origins too: a PATCHed origin gets its preflight answered on the next request.
      const origin = 'https://console.example.org';
      const preflight = () =>
        api.request('OPTIONS', '/api/v1/me', undefined, {
          headers: { origin, 'access-control-request-method': 'GET' },
        });
      expect((await preflight()).headers.get('access-control-allow-origin')).toBeNull();
      const withOrigin = { security: { corsOrigins: [origin] } };
      expect((await api.request('PATCH', settings, withOrigin, { token: root })).status).toBe(200);
      const allowed = await preflight();
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);

      const reset = {
        security: {
          enableIpBlacklist: true,
          enableIpWhitelist: false,
          ipBlacklist: [],
          ipWhitelist: [],
          corsOrigins: [],
        },
      };
      expect((await api.request('PATCH', settings, reset, { token: root })).status).toBe(200);
    });

    acrossProcesses(
      'shows a change made through one process to the next request of another',
      async () => {
        const other = new ApiClient((second as AppProcess).url, secrets);
        const settings = '/api/v1/admin/security/settings';
        const patch = {
          rateLimit: { maxRequests: 77 },
          security: { ipBlacklist: ['192.0.2.0/24'] },
        };
        expect((await api.request('PATCH', settings, patch, { token: root })).status).toBe(200);
        expect(
          ((await other.get(settings, { token: root })).body.rateLimit as { maxRequests: number })
            .maxRequests,
        ).toBe(77);
        expectProblem(
          await other.get('/api/v1/me', { token: root, ...from('192.0.2.1') }),
          403,
          'ERR_IP_BLOCKED',
        );
        const reset = { security: { ipBlacklist: [] } };
        expect((await other.request('PATCH', settings, reset, { token: root })).status).toBe(200);
        expect((await api.get('/api/v1/me', { token: root, ...from('192.0.2.1') })).status).toBe(
          200,
        );
      },
    );
  });
});
