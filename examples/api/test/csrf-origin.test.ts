import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

// EXAMPLE-API.md, "Sessions": a cookie-authenticated unsafe request comes from the app's own
// origin (Origin, or Sec-Fetch-Site: same-origin); one with neither header is refused too.
describe.each(FRAMEWORKS)('CSRF on cookie-authenticated writes, %s', (framework) => {
  let app: AppProcess;
  let api: ApiClient;
  let cookie: string;
  const consent = { analytics: true, marketing: false };

  beforeAll(async () => {
    const secrets = testSecrets();
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', 'memory'],
      env: secrets,
    });
    api = new ApiClient(app.url, secrets);
    const account = newAccount('csrf');
    await api.register(account);
    const session = await api.post('/api/v1/sessions', account);
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    cookie = (session.headers.getSetCookie()[0] as string).split(';')[0] as string;
  });
  afterAll(async () => app?.stop());

  it('refuses a cookie POST with neither Origin nor Sec-Fetch-Site (curl with a stolen cookie)', async () => {
    const refused = await api.post('/api/v1/privacy/consent', consent, { headers: { cookie } });
    expectProblem(refused, 403, 'ERR_CSRF');
  });

  it("accepts it with the app's own Origin, or Sec-Fetch-Site: same-origin", async () => {
    const origin = new URL(app.url).origin;
    const byOrigin = await api.post('/api/v1/privacy/consent', consent, {
      headers: { cookie, origin },
    });
    expect(byOrigin.status, JSON.stringify(byOrigin.body)).toBe(200);
    const bySite = await api.post('/api/v1/privacy/consent', consent, {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(bySite.status, JSON.stringify(bySite.body)).toBe(200);
  });

  it('refuses another Origin', async () => {
    const refused = await api.post('/api/v1/privacy/consent', consent, {
      headers: { cookie, origin: 'https://evil.example' },
    });
    expectProblem(refused, 403, 'ERR_CSRF');
  });
});
