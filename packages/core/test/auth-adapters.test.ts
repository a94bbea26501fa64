import type { AddressInfo } from 'node:net';
import { rawRequest } from '@rampart/test-utils';
import express, { type NextFunction, type Request, type Response } from 'express';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthContext, createAuthContext } from '../src/auth/auth-context.js';
import type { Authenticator } from '../src/auth/authenticator.js';
import { StoreUnavailableError } from '../src/errors/common-errors.js';
import { RampartError } from '../src/errors/rampart-error.js';
import {
  authenticate as expressAuthenticate,
  requireAuth as expressRequireAuth,
  problemErrorHandler,
} from '../src/express.js';
import {
  decorateAuth,
  authenticate as fastifyAuthenticate,
  requireAuth as fastifyRequireAuth,
  rampartCore,
} from '../src/fastify.js';
import type { SecurityRequest } from '../src/request.js';

/** `Authorization: Bearer good-<user>` is valid; anything else in that header is a bad token. */
const bearer: Authenticator = {
  name: 'test-bearer',
  challenge: 'Bearer',
  authenticate(request: SecurityRequest): Promise<AuthContext> | undefined {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const match = typeof header === 'string' ? /^Bearer good-(\w+)$/.exec(header) : null;
    if (match === null) {
      return Promise.reject(
        new RampartError({
          status: 401,
          code: 'ERR_TEST_TOKEN',
          title: 'Unauthorized',
          detail: 'Bad token.',
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        }),
      );
    }
    return Promise.resolve(
      createAuthContext({ userId: match[1] as string, method: 'jwt', credentialId: 'family-1' }),
    );
  },
};

/** The second credential: `X-Test-Key: key-<user>`, an API key with the `read` scope. */
const testKey: Authenticator = {
  name: 'test-key',
  challenge: 'TestKey',
  authenticate(request: SecurityRequest): Promise<AuthContext> | undefined {
    const header = request.headers['x-test-key'];
    if (header === undefined) return undefined;
    if (typeof header !== 'string' || !header.startsWith('key-')) {
      return Promise.reject(
        new RampartError({ status: 401, code: 'ERR_TEST_KEY', title: 'Unauthorized', detail: 'x' }),
      );
    }
    return Promise.resolve(
      createAuthContext({
        userId: header.slice(4),
        method: 'api-key',
        credentialId: 'key-id-1',
        scopes: ['read'],
      }),
    );
  },
};

const down: Authenticator = {
  name: 'down',
  authenticate: () => Promise.reject(new StoreUnavailableError('test-store')),
};

/** Resolves a value that is no AuthContext: a bug, to be answered 500, never passed. */
const broken: Authenticator = {
  name: 'broken',
  authenticate: () => Promise.resolve(undefined as unknown as AuthContext),
};

function describeAuth(auth: AuthContext | undefined) {
  return { auth: auth === undefined ? 'undefined' : auth };
}

interface Server {
  port: number;
  logged: unknown[];
  close(): Promise<void>;
}

async function startExpress(): Promise<Server> {
  const logged: unknown[] = [];
  const app = express();
  const both = [bearer, testKey];
  const reply = (req: Request, res: Response) => res.json(describeAuth(req.auth));
  app.get('/required', expressAuthenticate(both), reply);
  app.get('/optional', expressAuthenticate(both, { mode: 'optional' }), reply);
  app.get(
    '/guarded',
    expressAuthenticate(both, { mode: 'optional' }),
    expressRequireAuth({ challenges: ['Bearer', 'TestKey'] }),
    reply,
  );
  app.get('/down', expressAuthenticate([down, bearer]), reply);
  app.get('/broken', expressAuthenticate([broken], { mode: 'optional' }), reply);
  app.get('/forwarded', expressAuthenticate([bearer], { forwardErrors: true }), reply);
  app.use(function markForwarded(err: unknown, _req: Request, res: Response, next: NextFunction) {
    res.setHeader('x-forwarded-error', 'yes');
    next(err);
  });
  app.use(problemErrorHandler({ log: (error) => logged.push(error) }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    logged,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startFastify(): Promise<Server> {
  const logged: unknown[] = [];
  const app: FastifyInstance = Fastify({
    logger: { level: 'error', stream: { write: (line: string) => void logged.push(line) } },
  });
  // A package's plugin that declares request.auth too, registered before core's: one declaration.
  await app.register(
    fp(async (fastify: FastifyInstance) => decorateAuth(fastify), { name: 'test-auth-plugin' }),
  );
  await app.register(rampartCore);
  const both = [bearer, testKey];
  const reply = async (request: FastifyRequest) => describeAuth(request.auth);
  app.get('/required', { preHandler: fastifyAuthenticate(both) }, reply);
  app.get('/optional', { preHandler: fastifyAuthenticate(both, { mode: 'optional' }) }, reply);
  app.get(
    '/guarded',
    {
      onRequest: fastifyAuthenticate(both, { mode: 'optional' }),
      preHandler: fastifyRequireAuth({ challenges: ['Bearer', 'TestKey'] }),
    },
    reply,
  );
  app.get('/down', { preHandler: fastifyAuthenticate([down, bearer]) }, reply);
  app.get('/broken', { preHandler: fastifyAuthenticate([broken], { mode: 'optional' }) }, reply);
  app.get('/declared', async (request) => ({ declared: 'auth' in request }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    logged,
    close: () => app.close(),
  };
}

describe.each([
  ['Express', startExpress],
  ['Fastify', startFastify],
])('authenticate on %s over a real listen', (_name, start) => {
  let server: Server;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(server.port, { path, headers });

  it('refuses a bad bearer token that comes with a valid second credential (no fall-through)', async () => {
    for (const path of ['/required', '/optional', '/guarded']) {
      const response = await get(path, { authorization: 'Bearer forged', 'x-test-key': 'key-bob' });
      expect(response.status, path).toBe(401);
      expect(response.headers['content-type'], path).toBe('application/problem+json');
      expect(response.headers['www-authenticate'], path).toBe('Bearer error="invalid_token"');
      expect(response.json(), path).toMatchObject({ code: 'ERR_TEST_TOKEN', instance: path });
    }
  });

  it('authenticates with the second credential when the first is absent', async () => {
    const response = await get('/required', { 'x-test-key': 'key-bob' });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      auth: { userId: 'bob', method: 'api-key', credentialId: 'key-id-1', scopes: ['read'] },
    });
  });

  it('takes the first credential when both are valid', async () => {
    const response = await get('/required', {
      authorization: 'Bearer good-alice',
      'x-test-key': 'key-bob',
    });
    expect(response.json()).toEqual({
      auth: { userId: 'alice', method: 'jwt', credentialId: 'family-1' },
    });
  });

  it('passes a request without any credential on an optional route, with auth undefined', async () => {
    const response = await get('/optional');
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ auth: 'undefined' });
  });

  it('refuses a request without any credential on a required route: 401 ERR_AUTH_REQUIRED', async () => {
    const response = await get('/required');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer, TestKey');
    expect(response.json()).toMatchObject({ code: 'ERR_AUTH_REQUIRED', instance: '/required' });
  });

  it('requireAuth lets an authenticated request through and refuses an anonymous one', async () => {
    const ok = await get('/guarded', { authorization: 'Bearer good-alice' });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ auth: { userId: 'alice' } });
    const anonymous = await get('/guarded');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer, TestKey');
    expect(anonymous.json()).toMatchObject({ code: 'ERR_AUTH_REQUIRED' });
  });

  it('answers a store outage 503, without trying the next authenticator', async () => {
    const response = await get('/down', { authorization: 'Bearer good-alice' });
    expect(response.status).toBe(503);
    expect(response.json()).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });

  it("answers an authenticator's broken contract with a logged generic 500, never a pass", async () => {
    const before = server.logged.length;
    const response = await get('/broken');
    expect(response.status).toBe(500);
    expect(response.json()).toMatchObject({ code: 'ERR_INTERNAL' });
    expect(response.text).not.toContain('Authenticator');
    expect(server.logged.length).toBe(before + 1);
    expect(String(server.logged.at(-1))).toMatch(/Authenticator \\?"broken\\?"/);
  });
});

describe('authenticate: framework specifics', () => {
  it('Express: forwardErrors passes the refusal to next(err)', async () => {
    const server = await startExpress();
    try {
      const response = await rawRequest(server.port, {
        path: '/forwarded',
        headers: { authorization: 'Bearer forged' },
      });
      expect(response.status).toBe(401);
      expect(response.headers['x-forwarded-error']).toBe('yes');
      expect(response.json()).toMatchObject({ code: 'ERR_TEST_TOKEN' });
    } finally {
      await server.close();
    }
  });

  it('Fastify: request.auth is declared once whoever declares it first, and holds undefined', async () => {
    const server = await startFastify();
    try {
      const response = await rawRequest(server.port, { path: '/declared' });
      expect(response.json()).toEqual({ declared: true });
    } finally {
      await server.close();
    }
  });

  it('Express and Fastify requireAuth refuse unknown options and bad challenges at start-up', () => {
    for (const requireAuth of [expressRequireAuth, fastifyRequireAuth]) {
      expect(() => requireAuth({ bogus: true } as never)).toThrow(/requireAuth\.bogus/);
      expect(() => requireAuth({ challenges: 'Bearer' as never })).toThrow(
        /requireAuth\.challenges/,
      );
      expect(() => requireAuth({ challenges: ['Bearer\r\nX: y'] })).toThrow(
        /requireAuth\.challenges\.0/,
      );
    }
    expect(() => expressAuthenticate([bearer], { forwardErrors: 'yes' as never })).toThrow(
      /authenticate\.forwardErrors/,
    );
    expect(() => fastifyAuthenticate([bearer], { forwardErrors: true } as never)).toThrow(
      /authenticate\.forwardErrors/,
    );
  });
});
