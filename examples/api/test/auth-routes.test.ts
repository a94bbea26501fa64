import { rawRequest } from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';

// The app runs as a child process (tsx compiling on the fly): seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/me';

describe.each(FRAMEWORKS)('auth routes on %s', (framework) => {
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    const secrets = testSecrets();
    app = await startApp({ args: ['--port', '0', '--framework', framework], env: secrets });
    api = new ApiClient(app.url, secrets);
  });
  afterAll(async () => {
    expect(await app?.stop()).toBe(0);
  });

  it('409 for an email taken, in any case or spacing', async () => {
    const account = newAccount('dup');
    await api.register(account);
    expectProblem(await api.post(REGISTER, account), 409, 'ERR_EMAIL_TAKEN');
    const shouted = { ...account, email: `  ${account.email.toUpperCase()} ` };
    expectProblem(await api.post(REGISTER, shouted), 409, 'ERR_EMAIL_TAKEN');
    // And the same spelling logs in as the one account.
    await api.login(shouted);
  });

  it('refuses an email that only case folding or Unicode trimming would make ASCII', async () => {
    const { email, password } = newAccount('fold');
    // U+212A KELVIN SIGN lower-cases to "k"; U+3000 and U+FEFF are trimmed by String#trim.
    for (const spelling of [`\u212a${email}`, `\u3000${email}`, `${email}\ufeff`]) {
      expectProblem(await api.post(REGISTER, { email: spelling, password }), 400, 'ERR_VALIDATION');
    }
    // ASCII case and spaces still fold: one account.
    await api.register({ email: ` ${email.toUpperCase()}\t`, password });
    await api.login({ email, password });
  });

  it('lists every failed password rule', async () => {
    const { email } = newAccount('weak');
    const response = await api.post(REGISTER, { email, password: 'aaaa' });
    expectProblem(response, 400, 'ERR_PASSWORD_POLICY');
    expect(response.body.failedRules).toEqual(expect.arrayContaining(['min-length', 'repetitive']));
    const local = email.split('@')[0] as string;
    const withEmail = await api.post(REGISTER, { email, password: `${local}-is-my-password` });
    expect(withEmail.body.failedRules).toEqual(['contains-context']);
  });

  it('the bootstrap admin logs in with role super_admin', async () => {
    const pair = await api.loginAdmin();
    const me = await api.get(ME, { token: pair.accessToken });
    expect(me.body).toMatchObject({
      email: 'admin@example.com',
      role: 'super_admin',
      mfaEnabled: false,
      authMethod: 'jwt',
    });
  });

  it('an unknown email and a wrong password get the same 401', async () => {
    const account = newAccount('same');
    await api.register(account);
    const wrong = await api.post(LOGIN, { ...account, password: 'not-the-right-password' });
    const unknown = await api.post(LOGIN, { ...newAccount('nobody') });
    expectProblem(wrong, 401, 'ERR_LOGIN_FAILED');
    expectProblem(unknown, 401, 'ERR_LOGIN_FAILED');
    const { instance: _a, ...wrongBody } = wrong.body;
    const { instance: _b, ...unknownBody } = unknown.body;
    expect(wrongBody).toEqual(unknownBody);
  });

  it('counts login attempts per email whatever its spelling', async () => {
    const account = newAccount('spelling');
    await api.register(account);
    const spellings = [account.email, account.email.toUpperCase(), ` ${account.email}`];
    for (let i = 0; i < 5; i++) {
      const email = spellings[i % spellings.length] as string;
      expect((await api.post(LOGIN, { ...account, email })).status).toBe(200);
    }
    const refused = await api.post(LOGIN, account);
    expectProblem(refused, 429, 'ERR_RATE_LIMIT_EXCEEDED');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    // Another email from the same IP has its own budget.
    const other = newAccount('other');
    await api.register(other);
    await api.login(other);
  });

  it('refuses a bearer token over 8 KiB before parsing it, and never with a 500', async () => {
    const token = `eyJ${'A'.repeat(9000)}`;
    const response = await api.get(ME, { token });
    expectProblem(response, 401, 'ERR_TOKEN_INVALID');
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const entities = await api.get('/api/v1/entities/a/records', { token });
    expectProblem(entities, 401, 'ERR_TOKEN_INVALID');
  });

  it('logout-all kills every token of the user, and only theirs', async () => {
    const account = newAccount('all');
    await api.register(account);
    const first = await api.login(account);
    const second = await api.login(account);
    const bystander = newAccount('bystander');
    await api.register(bystander);
    const theirs = await api.login(bystander);

    expect(
      (await api.post('/api/v1/auth/logout-all', undefined, { token: first.accessToken })).status,
    ).toBe(200);
    for (const token of [first.accessToken, second.accessToken]) {
      expectProblem(await api.get(ME, { token }), 401, 'ERR_TOKEN_INVALID');
    }
    for (const refreshToken of [first.refreshToken, second.refreshToken]) {
      expectProblem(await api.post(REFRESH, { refreshToken }), 401, 'ERR_TOKEN_INVALID');
    }
    expect((await api.get(ME, { token: theirs.accessToken })).status).toBe(200);
    // A new login after it works again.
    const again = await api.login(account);
    expect((await api.get(ME, { token: again.accessToken })).status).toBe(200);
  });

  it('answers conditional requests in full: the API sends no validators to match', async () => {
    const account = newAccount('conditional');
    await api.register(account);
    const { accessToken } = await api.login(account);
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request, and
    // Express then never answers 304, which hid the bug this test was written for.
    const port = Number(new URL(app.url).port);
    for (const conditional of [
      { 'if-none-match': '*' },
      { 'if-modified-since': new Date(Date.now() + 60_000).toUTCString() },
    ]) {
      const me = await rawRequest(port, {
        path: ME,
        headers: { ...conditional, authorization: `Bearer ${accessToken}` },
      });
      expect(me.status).toBe(200);
      expect(me.json()).toMatchObject({ email: account.email });
      expect((await rawRequest(port, { path: '/health', headers: conditional })).status).toBe(200);
    }
  });

  it('logout needs a token, and kills the refresh family too', async () => {
    // No credential of any kind the app accepts (API key, bearer, session cookie …): core's 401
    // for it, with the challenges of the schemes that have one.
    const anonymous = await api.post('/api/v1/auth/logout');
    expectProblem(anonymous, 401, 'ERR_AUTH_REQUIRED');
    expect(anonymous.headers.get('www-authenticate')).toBe('ApiKey, Bearer');
    const account = newAccount('family');
    await api.register(account);
    const pair = await api.login(account);
    expect(
      (await api.post('/api/v1/auth/logout', undefined, { token: pair.accessToken })).status,
    ).toBe(200);
    expectProblem(
      await api.post(REFRESH, { refreshToken: pair.refreshToken }),
      401,
      'ERR_TOKEN_INVALID',
    );
  });

  it('a refresh token is no access token, and an access token no refresh token', async () => {
    const account = newAccount('kinds');
    await api.register(account);
    const pair = await api.login(account);
    expectProblem(await api.get(ME, { token: pair.refreshToken }), 401, 'ERR_TOKEN_INVALID');
    expectProblem(
      await api.post(REFRESH, { refreshToken: pair.accessToken }),
      401,
      'ERR_TOKEN_INVALID',
    );
  });

  // The login cases share one (IP, email) bucket: at most 5 of them, or the next is a 429.
  const email = 'hostile@example.com';
  const hostile: Array<[string, string, unknown, string]> = [
    ['register', REGISTER, { email: 42, password: 'long-enough-password' }, 'ERR_VALIDATION'],
    ['register', REGISTER, { email, password: 123456789012345 }, 'ERR_VALIDATION'],
    ['register', REGISTER, { email, password: ['long-enough-password'] }, 'ERR_VALIDATION'],
    ['register', REGISTER, { email, password: { $gt: '' } }, 'ERR_VALIDATION'],
    ['register', REGISTER, { email, password: null }, 'ERR_VALIDATION'],
    ['register', REGISTER, { email }, 'ERR_VALIDATION'],
    [
      'register',
      REGISTER,
      { email, password: 'long-enough-password', role: 'admin' },
      'ERR_VALIDATION',
    ],
    [
      'register',
      REGISTER,
      { email: `${'a'.repeat(100_000)}@example.com`, password: 'long-enough-password' },
      'ERR_VALIDATION',
    ],
    [
      'register',
      REGISTER,
      { email: 'not-an-email', password: 'long-enough-password' },
      'ERR_VALIDATION',
    ],
    [
      'register',
      REGISTER,
      { email: 'a@b.co\r\nBcc: x@y.z', password: 'long-enough-password' },
      'ERR_VALIDATION',
    ],
    ['register', REGISTER, [email, 'long-enough-password'], 'ERR_VALIDATION'],
    ['register', REGISTER, 'email=x', 'ERR_VALIDATION'],
    ['register', REGISTER, null, 'ERR_VALIDATION'],
    ['register', REGISTER, { email, password: 'x'.repeat(5000) }, 'ERR_VALIDATION'],
    ['login', LOGIN, { email, password: 1 }, 'ERR_VALIDATION'],
    ['login', LOGIN, { email: { $ne: null }, password: 'x' }, 'ERR_VALIDATION'],
    ['login', LOGIN, { email, password: '' }, 'ERR_VALIDATION'],
    // 1024 characters of 2 bytes each: under the schema's cap, over the hasher's byte cap.
    ['login', LOGIN, { email, password: 'é'.repeat(1024) }, 'ERR_PASSWORD_TOO_LONG'],
    ['refresh', REFRESH, { refreshToken: 7 }, 'ERR_VALIDATION'],
    ['refresh', REFRESH, {}, 'ERR_VALIDATION'],
    ['refresh', REFRESH, { refreshToken: 'x'.repeat(9000) }, 'ERR_VALIDATION'],
  ];
  it.each(hostile)('%s %s %j → 400 %s', async (_name, path, body, code) => {
    expectProblem(await api.post(path, body), 400, code);
  });

  it.each([REGISTER, LOGIN, REFRESH])('%s without a body → 400', async (path) => {
    expectProblem(await api.post(path), 400, 'ERR_VALIDATION');
  });

  it('a refresh token that is no JWT → 401, never a 500', async () => {
    for (const refreshToken of ['garbage', 'a.b.c', '..', 'eyJhbGciOiJub25lIn0.e30.']) {
      expectProblem(await api.post(REFRESH, { refreshToken }), 401, 'ERR_TOKEN_INVALID');
    }
  });

  // Last: it spends this IP's login budget for the rest of the app's life.
  it('stops one client rotating emails at 1000 logins per IP, before it makes more counters', async () => {
    let allowed = 0;
    // Each email is new (a counter of its own) and the empty password fails validation: a 400
    // that costs no hash. Earlier tests of this file spent a few dozen of the 1000 already.
    for (let sent = 0; sent < 1000; sent += 25) {
      const batch = Array.from({ length: 25 }, (_, i) =>
        api.post(LOGIN, { email: `rotate-${sent + i}@example.com`, password: '' }),
      );
      for (const response of await Promise.all(batch)) if (response.status === 400) allowed++;
    }
    expect(allowed).toBeGreaterThan(900);
    expect(allowed).toBeLessThan(1000);
    const refused = await api.post(LOGIN, { email: 'rotate-late@example.com', password: '' });
    expectProblem(refused, 429, 'ERR_RATE_LIMIT_EXCEEDED');
    expect(refused.body.policy).toBe('login-ip');
    expect(refused.headers.get('ratelimit-policy')).toBe('"login-ip";q=1000;w=900');
  });
});
