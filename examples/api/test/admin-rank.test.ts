import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, isolation } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const cases = (['memory', 'postgres'] as const).flatMap((store) =>
  FRAMEWORKS.map((framework) => [store, framework] as const),
);

// EXAMPLE-API.md, "Admin": the role route's rank rule (never oneself, never someone ranked
// above) holds for lock, unlock and ending a user's sessions too.
describe.each(cases)('admin actions on a user ranked above, %s store, %s', (store, framework) => {
  const onService = it.skipIf(!available[store]);
  let app: AppProcess;
  let api: ApiClient;
  let superToken: string;
  let superId: string;
  let adminToken: string;
  let adminId: string;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store, '--fresh'],
      env: { ...isolation, ...secrets },
    });
    api = new ApiClient(app.url, secrets);
    superToken = (await api.loginAdmin()).accessToken;
    superId = (await api.get('/api/v1/me', { token: superToken })).body.id as string;
    const account = newAccount('ranked-admin');
    adminId = await api.register(account);
    const promoted = await api.post(
      `/api/v1/admin/users/${adminId}/role`,
      { role: 'admin' },
      {
        token: superToken,
      },
    );
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    adminToken = (await api.login(account)).accessToken;
  });
  afterAll(async () => app?.stop());

  const act = (action: 'lock' | 'unlock' | 'sessions', userId: string, token: string) =>
    action === 'sessions'
      ? api.request('DELETE', `/api/v1/admin/users/${userId}/sessions`, undefined, { token })
      : api.post(`/api/v1/admin/users/${userId}/${action}`, undefined, { token });

  async function escalations(): Promise<Record<string, unknown>[]> {
    const page = await api.get('/api/v1/admin/audit?type=PRIVILEGE_ESCALATION&limit=100', {
      token: superToken,
    });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    return page.body.items as Record<string, unknown>[];
  }

  onService('an admin may not lock, unlock or sign out the super_admin', async () => {
    for (const action of ['lock', 'unlock', 'sessions'] as const) {
      const refused = await act(action, superId, adminToken);
      expectProblem(refused, 403, 'ERR_PRIVILEGE_ESCALATION');
    }
    // Nothing changed: the super_admin still signs in and acts.
    const users = await api.get('/api/v1/admin/users?limit=100', { token: superToken });
    expect(users.status).toBe(200);
    const row = (users.body.items as { id: string; locked: boolean }[]).find(
      (u) => u.id === superId,
    );
    expect(row?.locked).toBe(false);
    const events = (await escalations()).filter(
      (event) => (event.actor as { userId?: string }).userId === adminId,
    );
    expect(events.length).toBe(3);
    for (const event of events) expect(event.severity).toBe('critical');
  });

  onService('nobody locks, unlocks or signs out themself', async () => {
    for (const [id, token] of [
      [adminId, adminToken],
      [superId, superToken],
    ] as const) {
      for (const action of ['lock', 'unlock', 'sessions'] as const) {
        expectProblem(await act(action, id, token), 403, 'ERR_PRIVILEGE_ESCALATION');
      }
    }
    // The admin's token still works: they did not lock themself out.
    expect((await api.get('/api/v1/admin/users', { token: adminToken })).status).toBe(200);
  });

  onService(
    'a caller still acts on users ranked below (and the super_admin on an admin)',
    async () => {
      const account = newAccount('ranked-user');
      const userId = await api.register(account);
      expect((await act('sessions', userId, adminToken)).status).toBe(204);
      expect((await act('lock', userId, adminToken)).status).toBe(200);
      expect((await act('unlock', userId, adminToken)).status).toBe(200);
      expect((await act('sessions', adminId, superToken)).status).toBe(204);
      expect((await act('lock', adminId, superToken)).status).toBe(200);
      expect((await act('unlock', adminId, superToken)).status).toBe(200);
    },
  );
});
