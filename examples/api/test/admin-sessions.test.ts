import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, isolation } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const NOBODY = '00000000-0000-4000-8000-000000000000';
const cases = STORE_KINDS.flatMap((store) =>
  FRAMEWORKS.map((framework) => [store, framework] as const),
);

describe.each(cases)("an admin and a user's credentials, %s store, %s", (store, framework) => {
  const onService = it.skipIf(!available[store]);
  let app: AppProcess;
  let api: ApiClient;
  let admin: string;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store, '--fresh'],
      env: { ...isolation, ...secrets },
    });
    api = new ApiClient(app.url, secrets);
    admin = (await api.loginAdmin()).accessToken;
  });
  afterAll(async () => app?.stop());

  /** The browser's headers for a cookie: Firefox, same-origin. */
  const as = (cookie: string) => ({
    headers: { cookie, 'user-agent': FIREFOX, 'sec-fetch-site': 'same-origin' },
  });

  async function signIn(account: { email: string; password: string }) {
    const response = await api.post('/api/v1/sessions', account, {
      headers: { 'user-agent': FIREFOX },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const cookie = (response.headers.getSetCookie()[0] as string).split(';')[0] as string;
    return { cookie, id: response.body.id as string };
  }

  async function newUser(name: string) {
    const account = newAccount(name);
    const id = await api.register(account);
    return { account, id };
  }

  const sessionsOf = (userId: string, token = admin) =>
    api.get(`/api/v1/admin/sessions?userId=${encodeURIComponent(userId)}`, { token });
  const revokeAll = (userId: string, token = admin) =>
    api.request('DELETE', `/api/v1/admin/users/${encodeURIComponent(userId)}/sessions`, undefined, {
      token,
    });

  onService(
    "lists a user's sessions by their public ids, never a token; a user is refused",
    async () => {
      const { account, id } = await newUser('listed');
      const first = await signIn(account);
      const second = await signIn(account);
      const listed = await sessionsOf(id);
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      const items = listed.body.items as Record<string, unknown>[];
      // The ids GET /api/v1/sessions shows the user, newest first.
      const own = await api.get('/api/v1/sessions', as(second.cookie));
      const ownIds = (own.body as unknown as { id: string }[]).map((item) => item.id);
      expect(items.map((item) => item.id)).toEqual(ownIds);
      expect(new Set(ownIds)).toEqual(new Set([first.id, second.id]));
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual([
          'createdAt',
          'expiresAt',
          'id',
          'ip',
          'lastSeenAt',
          'userAgent',
          'userId',
        ]);
        expect(item).toMatchObject({ userId: id, userAgent: FIREFOX, ip: '127.0.0.1' });
        expect(new Date(item.expiresAt as string).toISOString()).toBe(item.expiresAt);
      }
      const text = JSON.stringify(listed.body);
      for (const { cookie } of [first, second]) {
        expect(text).not.toContain(cookie.slice('__Host-sid='.length));
        expect(text).not.toContain(cookie.slice('__Host-sid='.length).split('.')[1]);
      }

      const user = (await api.login(account)).accessToken;
      expectProblem(await sessionsOf(id, user), 403, 'ERR_FORBIDDEN');
      expectProblem(await revokeAll(id, user), 403, 'ERR_FORBIDDEN');
      expect((await api.get('/api/v1/me', as(first.cookie))).status).toBe(200);
    },
  );

  onService(
    'a malformed userId is a 400 that reads nothing; a user without sessions, an empty list',
    async () => {
      for (const query of ['', '?userId=', '?userId=not%20an%20id', '?userId=a&userId=b']) {
        expectProblem(
          await api.get(`/api/v1/admin/sessions${query}`, { token: admin }),
          400,
          'ERR_VALIDATION',
        );
      }
      expectProblem(await sessionsOf('x'.repeat(65)), 400, 'ERR_VALIDATION');
      // A well-formed id that names nobody has no sessions: a filter, as admin/audit?userId= is.
      expect((await sessionsOf(NOBODY)).body).toEqual({ items: [] });
      const { id } = await newUser('idle');
      expect((await sessionsOf(id)).body).toEqual({ items: [] });
    },
  );

  onService(
    "ends every session of the user (204), and no one else's; unknown user 404, malformed 400",
    async () => {
      const { account, id } = await newUser('ended');
      const first = await signIn(account);
      const second = await signIn(account);
      const bystander = await newUser('bystander');
      const theirs = await signIn(bystander.account);

      const ended = await revokeAll(id);
      expect(ended.status, JSON.stringify(ended.body)).toBe(204);
      for (const { cookie } of [first, second]) {
        expectProblem(await api.get('/api/v1/me', as(cookie)), 401, 'ERR_SESSION_INVALID');
      }
      expect((await sessionsOf(id)).body).toEqual({ items: [] });
      expect((await api.get('/api/v1/me', as(theirs.cookie))).status).toBe(200);
      expect(((await sessionsOf(bystander.id)).body.items as unknown[]).length).toBe(1);

      // Recorded on the user acted on, naming the admin who did it.
      const me = await api.get('/api/v1/me', { token: admin });
      await vi.waitFor(async () => {
        const audit = await api.get(`/api/v1/admin/audit?type=ADMIN_ACTION&userId=${id}`, {
          token: admin,
        });
        expect(audit.body.items).toMatchObject([
          {
            type: 'ADMIN_ACTION',
            actor: { userId: id },
            details: { action: 'sessions-revoked', by: me.body.id },
          },
        ]);
      });

      expectProblem(await revokeAll(NOBODY), 404, 'ERR_NOT_FOUND');
      expectProblem(await revokeAll('not an id'), 400, 'ERR_VALIDATION');
      expectProblem(await revokeAll('x'.repeat(65)), 400, 'ERR_VALIDATION');
    },
  );

  onService(
    'a lock revokes every session, token and API key of the user at once (EXAMPLE-API.md, "Admin")',
    async () => {
      const { account, id } = await newUser('lockedout');
      const { cookie } = await signIn(account);
      const { accessToken } = await api.login(account);
      const created = await api.post(
        '/api/v1/api-keys',
        { name: 'ci', scopes: ['entities:read', 'profile:read'] },
        { token: accessToken },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const key = { headers: { 'x-api-key': created.body.key as string } };
      expect((await api.get('/api/v1/me', key)).status).toBe(200);

      const locked = await api.post(`/api/v1/admin/users/${id}/lock`, undefined, { token: admin });
      expect(locked.status, JSON.stringify(locked.body)).toBe(200);
      expectProblem(await api.get('/api/v1/me', key), 401, 'ERR_API_KEY_INVALID');
      expectProblem(await api.get('/api/v1/entities/e1/records', key), 401, 'ERR_API_KEY_INVALID');
      expect((await api.get('/api/v1/me', { token: accessToken })).status).toBe(401);
      expectProblem(await api.get('/api/v1/me', as(cookie)), 401, 'ERR_SESSION_INVALID');
      // Revoked, not suspended: the key stays dead after the unlock.
      const unlocked = await api.post(`/api/v1/admin/users/${id}/unlock`, undefined, {
        token: admin,
      });
      expect(unlocked.status).toBe(200);
      expectProblem(await api.get('/api/v1/me', key), 401, 'ERR_API_KEY_INVALID');
    },
  );
});
