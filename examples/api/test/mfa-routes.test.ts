import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, isolation } from './store-isolation.js';

// The app runs as a child process (tsx compiling on the fly): seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const MFA = '/api/v1/auth/mfa';
const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/me';

/** The code an authenticator app shows for `otpauthUrl`, `offset` steps from now. */
function codeOf(otpauthUrl: string, offset = 0): string {
  const secret = new URL(otpauthUrl).searchParams.get('secret') as string;
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offset * 30 });
}

const CASES = FRAMEWORKS.flatMap((framework) =>
  STORE_KINDS.map((store) => [framework, store] as const),
);

describe.each(CASES)('MFA routes on %s with %s', (framework, store) => {
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store, '--fresh'],
      env: { ...isolation, ...secrets, MFA_ISSUER: 'Example Test' },
    });
    api = new ApiClient(app.url, secrets);
  });
  afterAll(async () => {
    if (available[store]) expect(await app?.stop()).toBe(0);
  });

  /** A user with MFA enabled; resolves its credentials, token, otpauth URL and recovery codes. */
  async function enrolled() {
    const account = newAccount('mfa');
    await api.register(account);
    const { accessToken } = await api.login(account);
    const setup = await api.post(`${MFA}/setup`, undefined, { token: accessToken });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    const otpauthUrl = setup.body.otpauthUrl as string;
    const enable = await api.post(
      `${MFA}/enable`,
      { code: codeOf(otpauthUrl, -1) },
      { token: accessToken },
    );
    expect(enable.status, JSON.stringify(enable.body)).toBe(200);
    return {
      account,
      accessToken,
      setup,
      otpauthUrl,
      recoveryCodes: enable.body.recoveryCodes as string[],
    };
  }

  async function mfaToken(account: { email: string; password: string }): Promise<string> {
    const login = await api.post(LOGIN, account);
    expect(login.status).toBe(200);
    expect(login.body.mfaRequired).toBe(true);
    expect(login.body).not.toHaveProperty('accessToken');
    return login.body.mfaToken as string;
  }

  it.skipIf(!available[store])(
    'enrols, logs in with a code once, refuses its replay, uses a recovery code once',
    async () => {
      const { account, accessToken, setup, otpauthUrl, recoveryCodes } = await enrolled();
      expect(otpauthUrl).toMatch(
        /^otpauth:\/\/totp\/Example%20Test:mfa-[0-9a-f]+%40example\.com\?/,
      );
      expect(setup.body.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
      expect(setup.body.qrCodeSvg).toMatch(/^<svg/);
      expect(recoveryCodes).toHaveLength(10);
      for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
      expect((await api.get(ME, { token: accessToken })).body.mfaEnabled).toBe(true);

      const first = await mfaToken(account);
      const code = codeOf(otpauthUrl);
      const pair = await api.post(`${MFA}/challenge`, { mfaToken: first, code });
      expect(pair.status, JSON.stringify(pair.body)).toBe(200);
      expect(pair.body.tokenType).toBe('Bearer');
      expect((await api.get(ME, { token: pair.body.accessToken as string })).status).toBe(200);
      // The token is spent; a second login's token with the same code is a replay.
      expectProblem(
        await api.post(`${MFA}/challenge`, { mfaToken: first, code }),
        401,
        'ERR_MFA_TOKEN_INVALID',
      );
      const second = await mfaToken(account);
      expectProblem(
        await api.post(`${MFA}/challenge`, { mfaToken: second, code }),
        401,
        'ERR_MFA_CODE_REPLAYED',
      );
      const recovered = await api.post(`${MFA}/challenge`, {
        mfaToken: second,
        code: recoveryCodes[0],
      });
      expect(recovered.status).toBe(200);
      const third = await mfaToken(account);
      expectProblem(
        await api.post(`${MFA}/challenge`, { mfaToken: third, code: recoveryCodes[0] }),
        401,
        'ERR_MFA_CODE_INVALID',
      );
      // Anything but six ASCII digits or a recovery code is a 400.
      for (const bad of ['12345', '１２３４５６', ' 123456', 'abcde-fghi1']) {
        expectProblem(
          await api.post(`${MFA}/challenge`, { mfaToken: third, code: bad }),
          400,
          'ERR_MFA_CODE_MALFORMED',
        );
      }
      expectProblem(
        await api.post(`${MFA}/challenge`, { mfaToken: third, code: 123456 }),
        400,
        'ERR_VALIDATION',
      );
    },
  );

  it.skipIf(!available[store])(
    'never returns the secret again; setup is refused once enabled',
    async () => {
      const { accessToken, otpauthUrl } = await enrolled();
      const secret = new URL(otpauthUrl).searchParams.get('secret') as string;
      expectProblem(
        await api.post(`${MFA}/setup`, undefined, { token: accessToken }),
        409,
        'ERR_MFA_ALREADY_ENABLED',
      );
      const me = await api.get(ME, { token: accessToken });
      expect(JSON.stringify(me.body)).not.toContain(secret);
    },
  );

  it.skipIf(!available[store])(
    'locks after 5 wrong codes: 429 with Retry-After, the right code too',
    async () => {
      const { account, otpauthUrl } = await enrolled();
      const token = await mfaToken(account);
      const right = codeOf(otpauthUrl);
      const wrong = right === '000000' ? '111111' : '000000';
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.post(`${MFA}/challenge`, { mfaToken: token, code: wrong }),
        ),
      );
      expect(answers.filter((answer) => answer.status === 401)).toHaveLength(4);
      expect(answers.filter((answer) => answer.status === 429)).toHaveLength(16);
      const locked = await api.post(`${MFA}/challenge`, { mfaToken: token, code: right });
      expectProblem(locked, 429, 'ERR_MFA_LOCKED');
      expect(locked.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    },
  );

  it.skipIf(!available[store])(
    'accepts one of 20 concurrent challenges with one valid code',
    async () => {
      const { account, otpauthUrl } = await enrolled();
      const tokens = await Promise.all(Array.from({ length: 4 }, () => mfaToken(account)));
      const code = codeOf(otpauthUrl);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          api.post(`${MFA}/challenge`, { mfaToken: tokens[index % 4], code }),
        ),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    },
  );

  it.skipIf(!available[store])('regenerates recovery codes and disables with a code', async () => {
    const { accessToken, otpauthUrl, recoveryCodes, account } = await enrolled();
    const fresh = await api.post(
      `${MFA}/recovery-codes`,
      { code: codeOf(otpauthUrl) },
      { token: accessToken },
    );
    expect(fresh.status).toBe(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    expectProblem(
      await api.post(`${MFA}/disable`, { code: recoveryCodes[0] }, { token: accessToken }),
      401,
      'ERR_MFA_CODE_INVALID',
    );
    const off = await api.post(
      `${MFA}/disable`,
      { code: (fresh.body.recoveryCodes as string[])[0] },
      { token: accessToken },
    );
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect((await api.get(ME, { token: accessToken })).body.mfaEnabled).toBe(false);
    // Without MFA the login answers the token pair again.
    expect((await api.login(account)).accessToken).toEqual(expect.any(String));
  });

  it.skipIf(!available[store])(
    "deleting an MFA user's account takes a code besides the password",
    async () => {
      const { account, accessToken, otpauthUrl } = await enrolled();
      const path = '/api/v1/privacy/my-account';
      const options = { token: accessToken };
      const { password } = account;
      expectProblem(
        await api.request('DELETE', path, { password }, options),
        401,
        'ERR_MFA_CODE_REQUIRED',
      );
      expectProblem(
        await api.request('DELETE', path, { password, code: 'abc' }, options),
        400,
        'ERR_MFA_CODE_MALFORMED',
      );
      const wrong = codeOf(otpauthUrl) === '000000' ? '000001' : '000000';
      expectProblem(
        await api.request('DELETE', path, { password, code: wrong }, options),
        401,
        'ERR_MFA_CODE_INVALID',
      );
      // Nothing was erased by the refusals: the account still answers.
      expect((await api.get(ME, options)).status).toBe(200);
      const gone = await api.request(
        'DELETE',
        path,
        { password, code: codeOf(otpauthUrl) },
        options,
      );
      expect(gone.status, JSON.stringify(gone.body)).toBe(204);
      expectProblem(await api.post('/api/v1/auth/login', account), 401, 'ERR_LOGIN_FAILED');
    },
  );

  it.skipIf(!available[store])('refuses the MFA routes without a credential', async () => {
    for (const route of ['setup', 'enable', 'disable', 'recovery-codes']) {
      expect((await api.post(`${MFA}/${route}`, { code: '123456' })).status).toBe(401);
    }
  });
});
