import type { AddressInfo } from 'node:net';
import { type AuthContext, createAuthContext, createFakeClock } from '@rampart/core';
import { notFoundHandler, problemErrorHandler } from '@rampart/core/express';
import { rampartCore } from '@rampart/core/fastify';
import { rawRequest } from '@rampart/test-utils';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { requireRecentMfa as expressRecentMfa } from '../src/express.js';
import { requireRecentMfa as fastifyRecentMfa } from '../src/fastify.js';

const clock = createFakeClock(Date.UTC(2026, 0, 1));
const NOW = clock.now();

/** The auth context a test header asks for: none, or one with `mfaAt` seconds ago. */
function authOf(header: string | undefined): AuthContext | undefined {
  if (header === undefined) return undefined;
  return createAuthContext({
    userId: 'u1',
    method: 'jwt',
    credentialId: 'family-1',
    ...(header === 'never' ? {} : { mfaAt: NOW - Number(header) * 1000 }),
  });
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function startExpress(): Promise<number> {
  const app = express();
  app.post(
    '/sensitive',
    (req, _res, next) => {
      const auth = authOf(req.get('x-test-mfa-age'));
      if (auth !== undefined) req.auth = auth;
      next();
    },
    expressRecentMfa(300, { clock }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  app.use(notFoundHandler());
  app.use(problemErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function startFastify(): Promise<number> {
  const app = Fastify();
  await app.register(rampartCore);
  app.post(
    '/sensitive',
    {
      preHandler: [
        async (request) => {
          const header = request.headers['x-test-mfa-age'];
          request.auth = authOf(typeof header === 'string' ? header : undefined);
        },
        fastifyRecentMfa(300, { clock }),
      ],
    },
    async () => ({ ok: true }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => app.close());
  return (app.server.address() as AddressInfo).port;
}

describe.each([
  ['express', startExpress],
  ['fastify', startFastify],
])('requireRecentMfa on %s', (_name, start) => {
  async function post(port: number, age?: string) {
    const response = await rawRequest(port, {
      method: 'POST',
      path: '/sensitive',
      headers: age === undefined ? {} : { 'x-test-mfa-age': age },
    });
    return {
      status: response.status,
      headers: response.headers,
      body: response.json(),
    };
  }

  it('lets a second factor passed within maxAgeSeconds through', async () => {
    const port = await start();
    expect((await post(port, '0')).status).toBe(200);
    expect((await post(port, '300')).status).toBe(200);
  });

  it('asks for a step-up when the second factor is older or was never passed', async () => {
    const port = await start();
    for (const age of ['301', 'never']) {
      const answer = await post(port, age);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 'ERR_MFA_STEP_UP_REQUIRED', maxAge: 300 });
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['www-authenticate']).toBe(
        'Bearer error="insufficient_user_authentication", max_age=300',
      );
    }
  });

  it('answers 401 ERR_AUTH_REQUIRED without an auth context', async () => {
    const port = await start();
    const answer = await post(port);
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('ERR_AUTH_REQUIRED');
  });
});

describe('requireRecentMfa options', () => {
  it.each([0, -1, 1.5, Number.NaN, 86_401, '300'])(
    'refuses maxAgeSeconds %s at start-up',
    (age) => {
      expect(() => expressRecentMfa(age as number)).toThrow(/requireRecentMfa\.maxAgeSeconds/);
      expect(() => fastifyRecentMfa(age as number)).toThrow(/requireRecentMfa\.maxAgeSeconds/);
    },
  );

  it('refuses an unknown option', () => {
    expect(() => expressRecentMfa(300, { maxAge: 5 } as never)).toThrow(/requireRecentMfa/);
  });
});
