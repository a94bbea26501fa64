import type { AddressInfo } from 'node:net';
import { toSecurityRequest as expressRequest } from '@rampart/core/express';
import { toSecurityRequest as fastifyRequest } from '@rampart/core/fastify';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionMiddleware } from '../src/express.js';
import { fastifySessions } from '../src/fastify.js';
import { createSessions, MemorySessionStore } from '../src/index.js';
import { FIREFOX_128 } from './helpers/requests.js';

const sessions = createSessions({ store: new MemorySessionStore() });

async function expressServer(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.post('/login', async (req, res) => {
    const issued = await sessions.create('user-1', expressRequest(req));
    res.setHeader('Set-Cookie', issued.setCookie).status(201).json({ id: issued.session.id });
  });
  app.get('/me', sessionMiddleware(sessions), (req, res) => {
    res.json({
      userId: req.session?.userId,
      method: req.auth?.method,
      credentialId: req.auth?.credentialId,
    });
  });
  app.get('/maybe', sessionMiddleware(sessions, { mode: 'optional' }), (req, res) => {
    res.json({ signedIn: req.session !== undefined });
  });
  app.post('/act', sessionMiddleware(sessions), (_req, res) => {
    res.json({ done: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function fastifyServer(): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify();
  await app.register(fastifySessions, { sessions });
  app.post('/login', async (request, reply) => {
    const issued = await sessions.create('user-1', fastifyRequest(request));
    return reply.header('set-cookie', issued.setCookie).code(201).send({ id: issued.session.id });
  });
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({
    userId: request.session?.userId,
    method: request.auth?.method,
    credentialId: request.auth?.credentialId,
  }));
  app.post('/act', { preHandler: app.requireSession }, async () => ({ done: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}

for (const [framework, start] of [
  ['express', expressServer],
  ['fastify', fastifyServer],
] as const) {
  describe(`${framework} adapter`, () => {
    let server: { url: string; close(): Promise<void> };
    let cookie: string;
    let id: string;
    beforeAll(async () => {
      server = await start();
      const response = await fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { 'user-agent': FIREFOX_128 },
      });
      expect(response.status).toBe(201);
      cookie = (response.headers.get('set-cookie') as string).split(';')[0] as string;
      id = ((await response.json()) as { id: string }).id;
    });
    afterAll(async () => server.close());

    const call = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
      fetch(`${server.url}${path}`, {
        method: init.method ?? 'GET',
        headers: { 'user-agent': FIREFOX_128, ...init.headers },
      });

    it('sets request.session and the auth context (method session, credentialId the session id)', async () => {
      const response = await call('/me', { headers: { cookie } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        userId: 'user-1',
        method: 'session',
        credentialId: id,
      });
    });

    it('answers 401 ERR_AUTH_REQUIRED without a cookie, ERR_SESSION_INVALID for a bad one, 400 for a malformed header', async () => {
      const none = await call('/me');
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ code: 'ERR_AUTH_REQUIRED' });
      const bad = await call('/me', { headers: { cookie: '__Host-sid=nonsense' } });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('content-type')).toBe('application/problem+json');
      expect(await bad.json()).toMatchObject({ code: 'ERR_SESSION_INVALID' });
      const malformed = await call('/me', { headers: { cookie: '__Host-sid=a; __Host-sid=b' } });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ code: 'ERR_COOKIE_MALFORMED' });
    });

    it('refuses a cross-site unsafe request with 403 ERR_CSRF and lets a same-origin one through', async () => {
      const forged = await call('/act', {
        method: 'POST',
        headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      expect(forged.status).toBe(403);
      expect(await forged.json()).toMatchObject({ code: 'ERR_CSRF' });
      const own = await call('/act', {
        method: 'POST',
        headers: { cookie, 'sec-fetch-site': 'same-origin' },
      });
      expect(own.status).toBe(200);
    });

    it('refuses the cookie from another browser family with 401 ERR_SESSION_BINDING', async () => {
      const login = await fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { 'user-agent': FIREFOX_128 },
      });
      const stolen = (login.headers.get('set-cookie') as string).split(';')[0] as string;
      const response = await call('/me', {
        headers: { cookie: stolen, 'user-agent': 'curl/8.5.0' },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'ERR_SESSION_BINDING' });
    });
  });
}

describe('express optional mode', () => {
  it('passes without a session and leaves req.session undefined', async () => {
    const server = await expressServer();
    try {
      const response = await fetch(`${server.url}/maybe`);
      expect(await response.json()).toEqual({ signedIn: false });
    } finally {
      await server.close();
    }
  });
});
