import type { AddressInfo } from 'node:net';
import { problemErrorHandler, rampartCore } from '@rampart/core/express';
import { rampartCore as fastifyRampartCore } from '@rampart/core/fastify';
import { rawRequest } from '@rampart/test-utils';
import express from 'express';
import Fastify from 'fastify';
import type { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthRoutes } from '../src/express.js';
import { fastifyOAuthRoutes } from '../src/fastify.js';
import { createOAuth, discoverOidcProvider, type OAuth } from '../src/index.js';
import {
  authorize,
  claimOnIdTokens,
  cookiePair,
  type Harness,
  harness,
  startIssuer,
} from './helpers/provider.js';

const BASE = '/api/v1/auth/oauth';

async function expressApp(oauth: OAuth): Promise<{ port: number; close: () => Promise<void> }> {
  const app = express();
  app.use(rampartCore());
  oauthRoutes(app, oauth, {
    basePath: BASE,
    onSignIn(signIn, _req, res) {
      res.append('Set-Cookie', `session=${signIn.userId}; Path=/; HttpOnly`);
      res.setHeader('X-Signed-In', signIn.userId);
      res.redirect(303, '/dashboard');
    },
  });
  app.use(problemErrorHandler({ log: () => {} }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function fastifyApp(oauth: OAuth): Promise<{ port: number; close: () => Promise<void> }> {
  const app = Fastify();
  await app.register(fastifyRampartCore);
  await app.register(fastifyOAuthRoutes, {
    oauth,
    basePath: BASE,
    onSignIn: (signIn, _request, reply) =>
      reply
        .header('set-cookie', `session=${signIn.userId}; Path=/; HttpOnly`)
        .header('x-signed-in', signIn.userId)
        .redirect('/dashboard', 303),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

let issuer: OAuth2Server;
beforeAll(async () => {
  issuer = await startIssuer();
  claimOnIdTokens(issuer, () => ({ email: 'grace@example.com', email_verified: true }));
});
afterAll(() => issuer.stop());

describe.each([
  ['express', expressApp],
  ['fastify', fastifyApp],
] as const)('the routes on %s', (_framework, start) => {
  let h: Harness;
  let app: { port: number; close: () => Promise<void> };
  beforeAll(async () => {
    h = await harness(issuer);
    app = await start(h.oauth);
  });
  afterAll(() => app.close());

  it('signs in: 302 to the issuer with the flow cookie, then the callback ends in onSignIn', async () => {
    const started = await rawRequest(app.port, { path: `${BASE}/oidc` });
    expect(started.status).toBe(302);
    const setCookie = String(started.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^__Host-rampart-oauth=.+; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/,
    );
    const { code, state } = await authorize(String(started.headers.location));
    const done = await rawRequest(app.port, {
      path: `${BASE}/oidc/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`,
      headers: { cookie: cookiePair(setCookie) },
    });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/dashboard');
    expect(done.headers['x-signed-in']).toBe('user-1');
    // The flow cookie is spent: cleared on the answer, beside the cookie onSignIn set.
    expect(done.headers['set-cookie']).toEqual([
      expect.stringMatching(/^__Host-rampart-oauth=; .*Max-Age=0/),
      'session=user-1; Path=/; HttpOnly',
    ]);
  });

  it('answers a callback without its cookie with the one problem, and clears the cookie', async () => {
    const started = await rawRequest(app.port, { path: `${BASE}/oidc` });
    const { code, state } = await authorize(String(started.headers.location));
    const refused = await rawRequest(app.port, {
      path: `${BASE}/oidc/callback?code=${code}&state=${state}`,
    });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'ERR_OAUTH_CALLBACK', status: 400 });
    expect(String(refused.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('answers 404 for a provider that is not configured, on both routes', async () => {
    expect((await rawRequest(app.port, { path: `${BASE}/github` })).status).toBe(404);
    expect(
      (await rawRequest(app.port, { path: `${BASE}/github/callback?code=a&state=b` })).status,
    ).toBe(404);
  });
});

describe('no server state', () => {
  it('completes on another process a flow one process started (three instances, one key ring)', async () => {
    const first = await harness(issuer);
    // Two more "processes": their own service objects, sharing only the keys and the link store.
    const others = await Promise.all(
      [0, 1].map(async () =>
        createOAuth({
          providers: [
            await discoverOidcProvider({
              issuer: issuer.issuer.url as string,
              clientId: 'rampart-test-client',
              clientSecret: 'test-secret',
              redirectUri: 'http://localhost:9/callback',
            }),
          ],
          keyRing: first.keyRing,
          links: first.links,
          users: first.users,
        }),
      ),
    );
    const started = first.oauth.start('oidc');
    const { code, state } = await authorize(started.location);
    const third = others[1] as OAuth;
    const result = await third.callback('oidc', {
      query: { code, state },
      cookieHeader: cookiePair(started.setCookie),
    });
    expect(result).toMatchObject({ userId: 'user-1', created: true });
  });
});
