import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const MFA = '/api/v1/auth/mfa';

function codeOf(otpauthUrl: string, offset = 0): string {
  const secret = new URL(otpauthUrl).searchParams.get('secret') as string;
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offset * 30 });
}

/** `name=value` of the Set-Cookie named `name`, or undefined. */
function cookieOf(headers: Headers, name: string): string | undefined {
  const found = headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
  return found?.split(';')[0];
}

describe.each(FRAMEWORKS)('browser sign-in with MFA on %s', (framework) => {
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

  const browser = (extra: Record<string, string> = {}) => ({
    headers: { 'user-agent': FIREFOX, 'sec-fetch-site': 'same-origin', ...extra },
  });

  it('asks a code, remembers the device, rotates the session on disable and forgets devices', async () => {
    const account = newAccount('browser');
    await api.register(account);
    const { accessToken } = await api.login(account);
    const setup = await api.post(`${MFA}/setup`, undefined, { token: accessToken });
    const otpauthUrl = setup.body.otpauthUrl as string;
    expect(
      (await api.post(`${MFA}/enable`, { code: codeOf(otpauthUrl, -1) }, { token: accessToken }))
        .status,
    ).toBe(200);

    expectProblem(
      await api.post('/api/v1/sessions', account, browser()),
      401,
      'ERR_MFA_CODE_REQUIRED',
    );
    // (Five sign-ins in all: the login budget of one email, auth/login included.)
    const signedIn = await api.post(
      '/api/v1/sessions',
      { ...account, code: codeOf(otpauthUrl), rememberDevice: true },
      browser(),
    );
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(201);
    const sid = cookieOf(signedIn.headers, '__Host-sid') as string;
    const tdid = cookieOf(signedIn.headers, '__Host-tdid') as string;
    expect(sid).toBeDefined();
    expect(signedIn.headers.getSetCookie().find((line) => line.startsWith('__Host-tdid='))).toMatch(
      /; Path=\/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax$/,
    );

    // The trusted device skips the code; another user's device would not.
    const trusted = await api.post('/api/v1/sessions', account, browser({ cookie: tdid }));
    expect(trusted.status, JSON.stringify(trusted.body)).toBe(201);

    // Disabling (by cookie) rotates the session and kills the device.
    const disabled = await api.post(
      `${MFA}/disable`,
      { code: codeOf(otpauthUrl, 1) },
      browser({ cookie: sid }),
    );
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    const rotated = cookieOf(disabled.headers, '__Host-sid') as string;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(sid);
    expect((await api.get('/api/v1/me', browser({ cookie: sid }))).status).toBe(401);
    expect((await api.get('/api/v1/me', browser({ cookie: rotated }))).body.mfaEnabled).toBe(false);

    // Set up again: the old trusted device no longer skips the code.
    const again = await api.post(`${MFA}/setup`, undefined, { token: accessToken });
    const nextUrl = again.body.otpauthUrl as string;
    await api.post(`${MFA}/enable`, { code: codeOf(nextUrl) }, { token: accessToken });
    expectProblem(
      await api.post('/api/v1/sessions', account, browser({ cookie: tdid })),
      401,
      'ERR_MFA_CODE_REQUIRED',
    );
  });
});
