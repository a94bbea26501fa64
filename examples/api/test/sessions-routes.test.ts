import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, isolation } from './store-isolation.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const cases = STORE_KINDS.flatMap((store) =>
  FRAMEWORKS.map((framework) => [store, framework] as const),
);

describe.each(cases)('sessions, %s store, %s', (store, framework) => {
  const onService = it.skipIf(!available[store]);
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store],
      env: { ...isolation, ...secrets, MAX_SESSIONS_PER_USER: '2' },
    });
    api = new ApiClient(app.url, secrets);
  });
  afterAll(async () => app?.stop());

  /** The browser's headers for a cookie: Firefox, same-origin. */
  const as = (cookie: string, extra: Record<string, string> = {}) => ({
    headers: { cookie, 'user-agent': FIREFOX, 'sec-fetch-site': 'same-origin', ...extra },
  });

  async function signIn(account: { email: string; password: string }) {
    const response = await api.post('/api/v1/sessions', account, {
      headers: { 'user-agent': FIREFOX },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const setCookie = response.headers.getSetCookie()[0] as string;
    expect(setCookie).toMatch(
      /^__Host-sid=[A-Za-z0-9_-]{22}\.[0-9A-Za-z]{49}; Path=\/; Max-Age=43200; Secure; HttpOnly; SameSite=Lax$/,
    );
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    return { cookie: setCookie.split(';')[0] as string, id: response.body.id as string };
  }

  onService(
    'signs in by cookie, which authenticates /me; a wrong password is the login 401',
    async () => {
      const account = newAccount('cookie');
      await api.register(account);
      const { cookie } = await signIn(account);
      const me = await api.get('/api/v1/me', as(cookie));
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: account.email, authMethod: 'session' });
      expectProblem(
        await api.post('/api/v1/sessions', { ...account, password: 'wrong-password-here' }),
        401,
        'ERR_LOGIN_FAILED',
      );
      expectProblem(
        await api.post('/api/v1/sessions', { email: account.email }),
        400,
        'ERR_VALIDATION',
      );
    },
  );

  onService(
    "lists, revokes one (another user's id: 404), the others, and the current one",
    async () => {
      const account = newAccount('list');
      await api.register(account);
      const first = await signIn(account);
      const second = await signIn(account);
      const list = await api.get('/api/v1/sessions', as(second.cookie));
      expect(list.status).toBe(200);
      const items = list.body as unknown as Array<Record<string, unknown>>;
      expect(items.map((item) => [item.id, item.current])).toEqual([
        [second.id, true],
        [first.id, false],
      ]);
      expect(items[0]).toMatchObject({ userAgent: FIREFOX, ip: '127.0.0.1' });
      expect(Object.keys(items[0] as object).sort()).toEqual([
        'createdAt',
        'current',
        'expiresAt',
        'id',
        'ip',
        'lastSeenAt',
        'userAgent',
      ]);

      const stranger = newAccount('stranger');
      await api.register(stranger);
      const theirs = await signIn(stranger);
      expectProblem(
        await api.request('DELETE', `/api/v1/sessions/${theirs.id}`, undefined, as(first.cookie)),
        404,
        'ERR_SESSION_NOT_FOUND',
      );
      expect((await api.get('/api/v1/me', as(theirs.cookie))).status).toBe(200);

      expect(
        (await api.request('DELETE', '/api/v1/sessions', undefined, as(second.cookie))).status,
      ).toBe(204);
      expectProblem(await api.get('/api/v1/me', as(first.cookie)), 401, 'ERR_SESSION_INVALID');
      const third = await signIn(account);
      expect(
        (await api.request('DELETE', `/api/v1/sessions/${third.id}`, undefined, as(second.cookie)))
          .status,
      ).toBe(204);
      expectProblem(await api.get('/api/v1/me', as(third.cookie)), 401, 'ERR_SESSION_INVALID');

      const ended = await api.request(
        'DELETE',
        '/api/v1/sessions/current',
        undefined,
        as(second.cookie),
      );
      expect(ended.status).toBe(204);
      expect(ended.headers.getSetCookie()).toEqual([
        '__Host-sid=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax',
      ]);
      expectProblem(await api.get('/api/v1/me', as(second.cookie)), 401, 'ERR_SESSION_INVALID');
    },
  );

  onService('holds MAX_SESSIONS_PER_USER: the least recently used session is evicted', async () => {
    const account = newAccount('cap');
    await api.register(account);
    const a = await signIn(account);
    await signIn(account);
    await signIn(account);
    expectProblem(await api.get('/api/v1/me', as(a.cookie)), 401, 'ERR_SESSION_INVALID');
    expect(
      (await api.get('/api/v1/sessions', as((await signIn(account)).cookie))).body,
    ).toHaveLength(2);
  });

  onService(
    'refuses cross-site unsafe requests with the cookie (403 ERR_CSRF), not with a bearer token',
    async () => {
      const account = newAccount('csrf');
      await api.register(account);
      const { cookie } = await signIn(account);
      const forged = await api.request(
        'DELETE',
        '/api/v1/sessions',
        undefined,
        as(cookie, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }),
      );
      expectProblem(forged, 403, 'ERR_CSRF');
      const { accessToken } = await api.login(account);
      const bearer = await api.request('DELETE', '/api/v1/sessions', undefined, {
        token: accessToken,
        headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      });
      expect(bearer.status).toBe(204);
      expectProblem(await api.get('/api/v1/me', as(cookie)), 401, 'ERR_SESSION_INVALID');
    },
  );

  onService(
    'refuses a stolen cookie from another browser (401 ERR_SESSION_BINDING) and revokes it',
    async () => {
      const account = newAccount('stolen');
      await api.register(account);
      const { cookie } = await signIn(account);
      expectProblem(
        await api.get('/api/v1/me', as(cookie, { 'user-agent': 'curl/8.5.0' })),
        401,
        'ERR_SESSION_BINDING',
      );
      expectProblem(await api.get('/api/v1/me', as(cookie)), 401, 'ERR_SESSION_INVALID');
    },
  );

  onService(
    'shares the login limit with auth/login: 5 attempts per (IP, email) in all',
    async () => {
      const account = newAccount('limit');
      await api.register(account);
      for (let i = 0; i < 3; i++) await api.login(account);
      await signIn(account);
      await signIn(account);
      const refused = await api.post('/api/v1/sessions', account, {
        headers: { 'user-agent': FIREFOX },
      });
      expectProblem(refused, 429, 'ERR_RATE_LIMIT_EXCEEDED');
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    },
  );

  onService('logout-all ends every session of the user too', async () => {
    const account = newAccount('all');
    await api.register(account);
    const { cookie } = await signIn(account);
    const { accessToken } = await api.login(account);
    expect(
      (await api.post('/api/v1/auth/logout-all', undefined, { token: accessToken })).status,
    ).toBe(200);
    expectProblem(await api.get('/api/v1/me', as(cookie)), 401, 'ERR_SESSION_INVALID');
  });
});
