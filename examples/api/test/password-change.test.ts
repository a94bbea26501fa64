import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, isolation } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const PASSWORD = '/api/v1/auth/password';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
/** The code an authenticator app shows for `otpauthUrl`, `offset` steps from now. */
function codeOf(otpauthUrl: string, offset = 0): string {
  const secret = new URL(otpauthUrl).searchParams.get('secret') as string;
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offset * 30 });
}

const cases = STORE_KINDS.flatMap((store) =>
  FRAMEWORKS.map((framework) => [store, framework] as const),
);

describe.each(cases)('POST /api/v1/auth/password, %s store, %s', (store, framework) => {
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
    admin = (
      await api.login({
        email: secrets.ADMIN_EMAIL as string,
        password: secrets.ADMIN_PASSWORD as string,
      })
    ).accessToken;
  });
  afterAll(async () => app?.stop());

  /** The browser's headers for a cookie: Firefox, same-origin. */
  const as = (cookie: string) => ({
    headers: { cookie, 'user-agent': FIREFOX, 'sec-fetch-site': 'same-origin' },
  });

  async function signIn(account: { email: string; password: string }): Promise<string> {
    const response = await api.post('/api/v1/sessions', account, {
      headers: { 'user-agent': FIREFOX },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return (response.headers.getSetCookie()[0] as string).split(';')[0] as string;
  }

  async function newUser(name: string) {
    const account = newAccount(name);
    const id = await api.register(account);
    return { account, id, newPassword: `new-${account.password}` };
  }

  const auditOf = async (type: string, userId: string) => {
    const found = await api.get(`/api/v1/admin/audit?type=${type}&userId=${userId}`, {
      token: admin,
    });
    expect(found.status).toBe(200);
    return found.body.items as Record<string, unknown>[];
  };

  onService(
    'a bearer caller: every other token and session dies, the caller gets a new pair; PASSWORD_CHANGED',
    async () => {
      const { account, id, newPassword } = await newUser('bearer');
      const cookie = await signIn(account);
      const caller = await api.login(account);
      const other = await api.login(account);

      const changed = await api.post(
        PASSWORD,
        { currentPassword: account.password, newPassword },
        { token: caller.accessToken },
      );
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toEqual({
        status: 'password-changed',
        tokens: {
          accessToken: expect.any(String),
          refreshToken: expect.any(String),
          tokenType: 'Bearer',
          expiresIn: expect.any(Number),
        },
      });
      expect(changed.headers.get('ratelimit-policy')).toBe('"login";q=5;w=900');
      const fresh = changed.body.tokens as { accessToken: string; refreshToken: string };
      const me = await api.get('/api/v1/me', { token: fresh.accessToken });
      expect(me.body).toMatchObject({ id, authMethod: 'jwt' });

      expect((await api.get('/api/v1/me', { token: caller.accessToken })).status).toBe(401);
      expect((await api.get('/api/v1/me', { token: other.accessToken })).status).toBe(401);
      expectProblem(
        await api.post('/api/v1/auth/refresh', { refreshToken: other.refreshToken }),
        401,
      );
      expectProblem(await api.get('/api/v1/me', as(cookie)), 401, 'ERR_SESSION_INVALID');
      expect(
        (await api.post('/api/v1/auth/refresh', { refreshToken: fresh.refreshToken })).status,
      ).toBe(200);

      expectProblem(await api.post('/api/v1/auth/login', account), 401, 'ERR_LOGIN_FAILED');
      await api.login({ email: account.email, password: newPassword });

      await vi.waitFor(async () => {
        const events = await auditOf('PASSWORD_CHANGED', id);
        expect(events).toMatchObject([{ type: 'PASSWORD_CHANGED', actor: { userId: id } }]);
        expect(JSON.stringify(events)).not.toContain(account.password);
        expect(JSON.stringify(events)).not.toContain(newPassword);
      });
    },
  );

  onService(
    'two changes over one current password at once: one wins, the other is a 401 that writes nothing',
    async () => {
      const { account } = await newUser('racers');
      const [first, second] = [await api.login(account), await api.login(account)];
      const answers = await Promise.all(
        [first, second].map((caller, i) =>
          api.post(
            PASSWORD,
            { currentPassword: account.password, newPassword: `racer-${i}-${account.password}` },
            { token: caller.accessToken },
          ),
        ),
      );
      const won = answers.findIndex((answer) => answer.status === 200);
      const lost = answers[1 - won];
      expect(won, JSON.stringify(answers.map((answer) => answer.body))).not.toBe(-1);
      // The loser either checked the old password after the winner replaced it (the login 401),
      // or was authenticated after the winner's change had revoked its token: both write nothing.
      const loser = lost as (typeof answers)[number];
      expectProblem(loser, 401);
      expect(['ERR_LOGIN_FAILED', 'ERR_TOKEN_INVALID']).toContain(loser.body.code);
      // The winner's password is the one that logs in: the loser wrote nothing after it.
      await api.login({ email: account.email, password: `racer-${won}-${account.password}` });
    },
  );

  onService(
    "a cookie caller keeps its session under a new id; the user's other sessions and tokens die",
    async () => {
      const { account, newPassword } = await newUser('cookie');
      const caller = await signIn(account);
      const other = await signIn(account);
      const { accessToken } = await api.login(account);

      const changed = await api.post(
        PASSWORD,
        { currentPassword: account.password, newPassword },
        as(caller),
      );
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toEqual({ status: 'password-changed' });
      const setCookie = changed.headers.getSetCookie()[0] as string;
      expect(setCookie).toMatch(/^__Host-sid=[^;]+; Path=\/; .*Secure; HttpOnly; SameSite=Lax$/);
      const rotated = setCookie.split(';')[0] as string;
      expect(rotated).not.toBe(caller);

      const me = await api.get('/api/v1/me', as(rotated));
      expect(me.body).toMatchObject({ authMethod: 'session' });
      const listed = await api.get('/api/v1/sessions', as(rotated));
      expect((listed.body as unknown as { current: boolean }[]).map((s) => s.current)).toEqual([
        true,
      ]);
      for (const dead of [caller, other]) {
        expectProblem(await api.get('/api/v1/me', as(dead)), 401, 'ERR_SESSION_INVALID');
      }
      expect((await api.get('/api/v1/me', { token: accessToken })).status).toBe(401);
    },
  );

  onService('forgets the trusted devices (EXAMPLE-API.md, "Sessions")', async () => {
    const { account, newPassword } = await newUser('device');
    // Before MFA is on: with it, login answers an mfaToken, not a pair.
    const { accessToken } = await api.login(account);
    const setup = await api.post('/api/v1/auth/mfa/setup', undefined, { token: accessToken });
    const otpauthUrl = setup.body.otpauthUrl as string;
    const enabled = await api.post(
      '/api/v1/auth/mfa/enable',
      { code: codeOf(otpauthUrl, -1) },
      { token: accessToken },
    );
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    const remembered = await api.post(
      '/api/v1/sessions',
      { ...account, code: codeOf(otpauthUrl), rememberDevice: true },
      { headers: { 'user-agent': FIREFOX } },
    );
    expect(remembered.status, JSON.stringify(remembered.body)).toBe(201);
    const device = remembered.headers
      .getSetCookie()
      .find((line) => line.startsWith('__Host-tdid='))
      ?.split(';')[0] as string;
    const withDevice = (password: string) =>
      api.post(
        '/api/v1/sessions',
        { email: account.email, password },
        { headers: { 'user-agent': FIREFOX, cookie: device } },
      );
    expect((await withDevice(account.password)).status).toBe(201);

    const changed = await api.post(
      PASSWORD,
      { currentPassword: account.password, newPassword },
      { token: accessToken },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expectProblem(await withDevice(newPassword), 401, 'ERR_MFA_CODE_REQUIRED');
  });

  onService(
    'a wrong current password is the login 401; a new one the policy refuses its 400; neither changes anything',
    async () => {
      const { account, id, newPassword } = await newUser('wrong');
      const { accessToken } = await api.login(account);
      const token = { token: accessToken };

      const wrong = await api.post(
        PASSWORD,
        { currentPassword: 'not-the-password-at-all', newPassword },
        token,
      );
      expectProblem(wrong, 401, 'ERR_LOGIN_FAILED');
      const weak = await api.post(
        PASSWORD,
        { currentPassword: account.password, newPassword: 'short-one' },
        token,
      );
      expectProblem(weak, 400, 'ERR_PASSWORD_POLICY');
      expect(weak.body.failedRules).toEqual(expect.arrayContaining([expect.any(String)]));

      expect((await api.get('/api/v1/me', token)).status).toBe(200);
      await api.login(account);
      expectProblem(
        await api.post('/api/v1/auth/login', { email: account.email, password: newPassword }),
        401,
        'ERR_LOGIN_FAILED',
      );
      // Counted as a failed login on the user (the detector locks after a brute force).
      await vi.waitFor(async () => {
        const failures = await auditOf('LOGIN_FAILURE', id);
        expect(
          failures.some((event) => JSON.stringify(event).includes('wrong-current-password')),
        ).toBe(true);
      });
      expect(await auditOf('PASSWORD_CHANGED', id)).toEqual([]);
    },
  );

  onService('bad input is a 400 problem that changes nothing; no caller is a 401', async () => {
    const { account, newPassword } = await newUser('input');
    const { accessToken } = await api.login(account);
    const token = { token: accessToken };
    for (const body of [
      {},
      { currentPassword: account.password, newPassword: 42 },
      { currentPassword: account.password, newPassword, email: account.email },
      { currentPassword: account.password, newPassword: account.password },
    ]) {
      expectProblem(await api.post(PASSWORD, body, token), 400, 'ERR_VALIDATION');
    }
    expectProblem(
      await api.post(PASSWORD, undefined, { ...token, raw: '{"currentPassword":' }),
      400,
    );
    expectProblem(
      await api.post(PASSWORD, { currentPassword: account.password, newPassword }),
      401,
    );
    expect((await api.get('/api/v1/me', token)).status).toBe(200);
    await api.login(account);
  });

  onService(
    'rate limited like login: 5 attempts per 15 minutes per (IP, user), the 6th a 429 even with the right password',
    async () => {
      const { account, newPassword } = await newUser('limited');
      const first = await api.post(
        PASSWORD,
        { currentPassword: account.password, newPassword },
        { token: (await api.login(account)).accessToken },
      );
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const token = { token: (first.body.tokens as { accessToken: string }).accessToken };
      // Four wrong guesses: below the detector's brute-force threshold (5), so no lockdown.
      for (let i = 0; i < 4; i++) {
        const wrong = {
          currentPassword: `wrong-guess-${i}-password`,
          newPassword: `${i}${newPassword}`,
        };
        expectProblem(await api.post(PASSWORD, wrong, token), 401, 'ERR_LOGIN_FAILED');
      }
      const refused = await api.post(
        PASSWORD,
        { currentPassword: newPassword, newPassword: `again-${newPassword}` },
        token,
      );
      expectProblem(refused, 429, 'ERR_RATE_LIMIT_EXCEEDED');
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      // Refused before the handler: the password is still the one of the first change.
      await api.login({ email: account.email, password: newPassword });
    },
  );
});
