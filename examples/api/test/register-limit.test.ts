import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, type ApiResponse, expectProblem, newAccount } from './api-client.js';

// The app runs as a child process (tsx compiling on the fly): seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';

/** A documentation address (RFC 5737) of its own for each test: one register budget each. */
function clientIp(): string {
  const [a, b] = randomBytes(2);
  return `198.51.${a}.${b}`;
}

function expectRegisterLimited(response: ApiResponse): void {
  expectProblem(response, 429, 'ERR_RATE_LIMIT_EXCEEDED');
  expect(response.body.policy).toBe('register');
  expect(response.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
}

describe.each(FRAMEWORKS)('REGISTER_LIMIT_PER_HOUR (default 3) on %s', (framework) => {
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    // The default limit; X-Forwarded-For from loopback is believed, so each test is its own client.
    app = await startApp({
      args: ['--port', '0', '--framework', framework],
      env: { TRUSTED_PROXIES: 'loopback', REGISTER_LIMIT_PER_HOUR: '' },
    });
    api = new ApiClient(app.url, {});
  });
  afterAll(async () => {
    expect(await app?.stop()).toBe(0);
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  it('the 4th registration from one IP in an hour is a 429, taken email or not, and creates nothing', async () => {
    const ip = clientIp();
    const account = newAccount('limit');
    const first = await api.post(REGISTER, account, from(ip));
    expect(first.status).toBe(201);
    expect(first.headers.get('ratelimit-policy')).toBe('"register";q=3;w=3600');
    expectProblem(await api.post(REGISTER, account, from(ip)), 409, 'ERR_EMAIL_TAKEN');
    expectProblem(await api.post(REGISTER, account, from(ip)), 409, 'ERR_EMAIL_TAKEN');
    // The 409 cannot be asked a 4th time: the limit is counted first.
    expectRegisterLimited(await api.post(REGISTER, account, from(ip)));
    const late = newAccount('late');
    expectRegisterLimited(await api.post(REGISTER, late, from(ip)));
    // Refused means not created: the account does not exist for any client.
    expectProblem(await api.post(LOGIN, late, from(clientIp())), 401, 'ERR_LOGIN_FAILED');
    expect((await api.post(LOGIN, account, from(clientIp()))).status).toBe(200);
  });

  it('another client IP has its own budget', async () => {
    const busy = clientIp();
    for (let i = 0; i < 3; i++) await api.post(REGISTER, newAccount('spend'), from(busy));
    expectRegisterLimited(await api.post(REGISTER, newAccount('spend'), from(busy)));
    expect((await api.post(REGISTER, newAccount('other'), from(clientIp()))).status).toBe(201);
  });

  it('counts a weak password like any registration, not a body that does not parse', async () => {
    const ip = clientIp();
    for (let i = 0; i < 2; i++) {
      const malformed = await api.post(REGISTER, undefined, { raw: '{"email":', ...from(ip) });
      expectProblem(malformed, 400, 'ERR_MALFORMED_JSON');
    }
    const weak = { email: newAccount('weak').email, password: 'tiny-pass' };
    expectProblem(await api.post(REGISTER, weak, from(ip)), 400, 'ERR_PASSWORD_POLICY');
    expect((await api.post(REGISTER, newAccount('a'), from(ip))).status).toBe(201);
    expect((await api.post(REGISTER, newAccount('b'), from(ip))).status).toBe(201);
    expectRegisterLimited(await api.post(REGISTER, newAccount('c'), from(ip)));
  });
});
