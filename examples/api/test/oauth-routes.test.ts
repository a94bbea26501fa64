import { randomBytes } from 'node:crypto';
import type { OAuth2Server } from 'oauth2-mock-server';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import {
  authorizeAt,
  cookieNamed,
  type IdentityClaims,
  oidcEnv,
  startIssuer,
} from './oauth-helpers.js';
import { available, isolation } from './store-isolation.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

/** Who the issuer says signs in next. */
let identity: IdentityClaims;
let issuer: OAuth2Server;
beforeAll(async () => {
  issuer = await startIssuer(() => identity);
});
afterAll(async () => {
  await issuer?.stop();
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const BASE = '/api/v1/auth/oauth';
const cases = STORE_KINDS.flatMap((store) =>
  FRAMEWORKS.map((framework) => [store, framework] as const),
);

function newIdentity(): IdentityClaims {
  return {
    sub: `subject-${randomBytes(6).toString('hex')}`,
    email: newAccount('oauth').email,
    email_verified: true,
  };
}

describe.each(cases)('OAuth sign-in, %s store, %s', (store, framework) => {
  const onService = it.skipIf(!available[store]);
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store],
      env: { ...isolation, ...secrets, ...oidcEnv(issuer) },
    });
    api = new ApiClient(app.url, secrets);
  });
  afterAll(async () => app?.stop());

  const browser = (extra: Record<string, string> = {}) => ({
    headers: { 'user-agent': FIREFOX, ...extra },
  });

  /** Starts a flow: the 302 to the issuer, and the flow cookie (`name=value`). */
  async function start(): Promise<{ location: string; flowCookie: string }> {
    const started = await fetch(new URL(`${BASE}/oidc`, app.url), {
      redirect: 'manual',
      headers: { 'user-agent': FIREFOX },
    });
    expect(started.status).toBe(302);
    const location = started.headers.get('location') as string;
    expect(location.startsWith(`${issuer.issuer.url}/authorize?`)).toBe(true);
    const params = new URL(location).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('nonce')).toMatch(/^[0-9A-Za-z]{43}$/);
    // PUBLIC_URL unset: the redirect URI is under the URL the app listens on (port 0 → bound).
    expect(params.get('redirect_uri')).toBe(`${app.url}${BASE}/oidc/callback`);
    const setCookies = started.headers.getSetCookie();
    expect(setCookies).toEqual([
      expect.stringMatching(
        /^__Host-rampart-oauth=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/,
      ),
    ]);
    return { location, flowCookie: setCookies[0]?.split(';')[0] as string };
  }

  /** A whole sign-in as a browser makes it: resolves the callback's answer. */
  async function signIn() {
    const { location, flowCookie } = await start();
    const back = await authorizeAt(location);
    expect(`${back.origin}${back.pathname}`).toBe(`${app.url}${BASE}/oidc/callback`);
    return fetch(back, {
      redirect: 'manual',
      headers: { 'user-agent': FIREFOX, cookie: flowCookie },
    });
  }

  onService('lists the configured providers for the dashboard', async () => {
    const listed = await api.get(BASE);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      providers: [{ id: 'oidc', name: 'OpenID Connect', startUrl: `${BASE}/oidc` }],
    });
  });

  onService(
    'signs in over real HTTP: a 303 to /dashboard with the session cookie, which authenticates /me',
    async () => {
      identity = newIdentity();
      const done = await signIn();
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/dashboard');
      const setCookies = done.headers.getSetCookie();
      // The flow cookie is spent, and the session is the one POST /api/v1/sessions makes.
      expect(setCookies[0]).toMatch(/^__Host-rampart-oauth=; .*Max-Age=0/);
      expect(setCookies[1]).toMatch(
        /^__Host-sid=[A-Za-z0-9_-]{22}\.[0-9A-Za-z]{49}; Path=\/; Max-Age=43200; Secure; HttpOnly; SameSite=Lax$/,
      );
      const session = cookieNamed(setCookies, '__Host-sid') as string;
      const me = await api.get('/api/v1/me', browser({ cookie: session }));
      expect(me.status, JSON.stringify(me.body)).toBe(200);
      expect(me.body).toMatchObject({ email: identity.email, role: 'user', mfaEnabled: false });
      const sessions = await api.get('/api/v1/sessions', browser({ cookie: session }));
      expect(sessions.body).toEqual([
        expect.objectContaining({ current: true, userAgent: FIREFOX }),
      ]);

      // The provider's account is linked: a later sign-in after an email change there is the
      // same user, not a second account.
      identity = { ...identity, email: newAccount('renamed').email };
      const again = await signIn();
      expect(again.status).toBe(303);
      const second = cookieNamed(again.headers.getSetCookie(), '__Host-sid') as string;
      const meAgain = await api.get('/api/v1/me', browser({ cookie: second }));
      expect(meAgain.body.id).toBe(me.body.id);
    },
  );

  onService(
    'joins a registered account by the verified email and takes it from whoever registered it',
    async () => {
      // Registration proves no email: someone registers the victim's address first and keeps
      // a way in (tokens, an API key), waiting for the owner's first provider sign-in.
      const account = newAccount('pre-hijack');
      const id = await api.register(account);
      const held = await api.login(account);
      const key = await api.post(
        '/api/v1/api-keys',
        { name: 'kept', scopes: ['entities:read', 'profile:read'] },
        { token: held.accessToken },
      );
      expect(key.status, JSON.stringify(key.body)).toBe(201);
      const apiKey = key.body.key as string;
      expect((await api.get('/api/v1/me', { headers: { 'x-api-key': apiKey } })).status).toBe(200);

      identity = { ...newIdentity(), email: account.email };
      const done = await signIn();
      expect(done.status).toBe(303);
      const session = cookieNamed(done.headers.getSetCookie(), '__Host-sid') as string;
      const me = await api.get('/api/v1/me', browser({ cookie: session }));
      expect(me.body.id).toBe(id);

      // The provider proved the email: the registrant's password and everything issued on it
      // stop working; the owner's session does not.
      const login = await api.post('/api/v1/auth/login', account);
      expectProblem(login, 401);
      expectProblem(await api.get('/api/v1/me', { token: held.accessToken }), 401);
      const refresh = await api.post('/api/v1/auth/refresh', { refreshToken: held.refreshToken });
      expectProblem(refresh, 401);
      expectProblem(await api.get('/api/v1/me', { headers: { 'x-api-key': apiKey } }), 401);
      expect((await api.get('/api/v1/me', browser({ cookie: session }))).body.id).toBe(id);

      // A second sign-in goes by the link, not the email: the account is not claimed again.
      const again = await signIn();
      expect(again.status).toBe(303);
      const second = cookieNamed(again.headers.getSetCookie(), '__Host-sid') as string;
      expect((await api.get('/api/v1/me', browser({ cookie: session }))).status).toBe(200);
      expect((await api.get('/api/v1/me', browser({ cookie: second }))).body.id).toBe(id);
    },
  );

  onService(
    'refuses a wrong or a missing state with 400 ERR_OAUTH_CALLBACK, nothing created',
    async () => {
      identity = newIdentity();
      for (const mangle of [
        (url: URL) => url.searchParams.set('state', `${url.searchParams.get('state')}x`),
        (url: URL) => url.searchParams.delete('state'),
      ]) {
        const { location, flowCookie } = await start();
        const back = await authorizeAt(location);
        mangle(back);
        const refused = await fetch(back, {
          redirect: 'manual',
          headers: { 'user-agent': FIREFOX, cookie: flowCookie },
        });
        const body = (await refused.json()) as Record<string, unknown>;
        expectProblem(
          { status: refused.status, headers: refused.headers, body },
          400,
          'ERR_OAUTH_CALLBACK',
        );
        expect(cookieNamed(refused.headers.getSetCookie(), '__Host-sid')).toBeUndefined();
      }
      // A callback without the flow cookie (a login CSRF: the attacker's code in the victim's browser).
      const { location } = await start();
      const back = await authorizeAt(location);
      const forged = await api.get(`${back.pathname}${back.search}`, browser());
      expectProblem(forged, 400, 'ERR_OAUTH_CALLBACK');
      // No account was made for the email: registering it is still possible.
      const registered = await api.post('/api/v1/auth/register', {
        email: identity.email,
        password: newAccount().password,
      });
      expect(registered.status).toBe(201);
    },
  );

  onService('asks a user with MFA for the second factor: no session without it', async () => {
    const account = newAccount('mfa');
    await api.register(account);
    const { accessToken } = await api.login(account);
    const setup = await api.post('/api/v1/auth/mfa/setup', undefined, { token: accessToken });
    const secret = new URL(setup.body.otpauthUrl as string).searchParams.get('secret') as string;
    const code = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) });
    const enabled = await api.post('/api/v1/auth/mfa/enable', { code }, { token: accessToken });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    identity = { ...newIdentity(), email: account.email };
    const refused = await signIn();
    const body = (await refused.json()) as Record<string, unknown>;
    expectProblem(
      { status: refused.status, headers: refused.headers, body },
      401,
      'ERR_MFA_CODE_REQUIRED',
    );
    expect(cookieNamed(refused.headers.getSetCookie(), '__Host-sid')).toBeUndefined();
    // Only the registrant holds that factor: the account is not claimed, its password still
    // works (the login goes on to the code).
    const login = await api.post('/api/v1/auth/login', account);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ mfaRequired: true });
  });

  onService('answers 404 problem+json for a provider that is not configured', async () => {
    expectProblem(await api.get(`${BASE}/github`), 404);
    expectProblem(await api.get(`${BASE}/github/callback?code=a&state=b`), 404);
  });
});
