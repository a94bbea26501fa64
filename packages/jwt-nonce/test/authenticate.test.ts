import type { AddressInfo } from 'node:net';
import {
  type AuthContext,
  type Authenticator,
  createAuthContext,
  createFakeClock,
  RampartError,
  type SecurityEvent,
  type SecurityRequest,
} from '@rampart/core';
import { authenticate as expressAuthenticate, problemErrorHandler } from '@rampart/core/express';
import { authenticate as fastifyAuthenticate, rampartCore } from '@rampart/core/fastify';
import express, { type Request, type Response } from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireJwt } from '../src/express.js';
import { fastifyJwtNonce } from '../src/fastify.js';
import {
  accessTokenOf,
  createJwtNonce,
  type JwtNonce,
  jwtAuthenticator,
  type TokenPair,
} from '../src/index.js';
import { AUDIENCE, ISSUER } from './helpers/attacks.js';
import { makeTestRing } from './helpers/forge.js';
import { get, type Reply } from './helpers/servers.js';

/** The second credential beside the bearer token: `X-Test-Key: key-<user>`. */
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
      createAuthContext({ userId: header.slice(4), method: 'api-key', credentialId: 'key-1' }),
    );
  },
};

function describeAuth(auth: AuthContext | undefined) {
  if (auth === undefined) return { auth: 'undefined' };
  return { auth, jti: accessTokenOf(auth)?.jti ?? null };
}

interface Server {
  port: number;
  close(): Promise<void>;
}

async function startExpress(tokens: JwtNonce): Promise<Server> {
  const app = express();
  const both = [jwtAuthenticator(tokens), testKey];
  const reply = (req: Request, res: Response) => res.json(describeAuth(req.auth));
  app.get('/mixed', expressAuthenticate(both), reply);
  app.get('/optional', expressAuthenticate(both, { mode: 'optional' }), reply);
  app.get('/me', requireJwt(tokens), reply);
  app.use(problemErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startFastify(tokens: JwtNonce): Promise<Server> {
  const app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyJwtNonce, { tokens });
  const both = [jwtAuthenticator(tokens), testKey];
  const reply = async (request: FastifyRequest) => describeAuth(request.auth);
  app.get('/mixed', { preHandler: fastifyAuthenticate(both) }, reply);
  app.get('/optional', { preHandler: fastifyAuthenticate(both, { mode: 'optional' }) }, reply);
  app.get('/me', { preHandler: app.requireJwt }, reply);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

const ring = makeTestRing();
const clock = createFakeClock(Date.UTC(2026, 10, 28, 9, 0, 0));
const events: SecurityEvent[] = [];
let tokens: JwtNonce;
let alice: TokenPair;
let loggedOut: TokenPair;

function familyOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
  return payload.fam;
}

beforeAll(async () => {
  tokens = createJwtNonce({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [ring.hs],
    clock,
    onEvent: (event) => events.push(event),
  });
  alice = await tokens.issue('alice', { claims: { role: 'admin' } });
  loggedOut = await tokens.issue('alice');
  await tokens.logout(await tokens.verifyAccessToken(loggedOut.accessToken));
});

describe.each([
  ['Express', startExpress],
  ['Fastify', startFastify],
])('jwtAuthenticator in authenticate([bearer, other]) on %s over a real listen', (_name, start) => {
  let server: Server;
  beforeAll(async () => {
    server = await start(tokens);
  });
  afterAll(() => server.close());

  function expectTokenRefusal(reply: Reply, name: string): void {
    expect(reply.status, name).toBe(401);
    expect(reply.headers['www-authenticate'], name).toBe('Bearer error="invalid_token"');
    expect(JSON.parse(reply.body), name).toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  }

  it('refuses a bad bearer token that comes with a valid second credential (no fall-through)', async () => {
    const bad: Array<[string, string]> = [
      ['forged', `Bearer ${alice.accessToken.slice(0, -2)}AA`],
      ['revoked', `Bearer ${loggedOut.accessToken}`],
      ['refresh token', `Bearer ${alice.refreshToken}`],
      ['garbage', 'Bearer not.a.jwt'],
      // The Authorization header is the bearer authenticator's: another scheme is no way around it.
      ['another scheme', `Basic ${Buffer.from('alice:pw').toString('base64')}`],
    ];
    for (const path of ['/mixed', '/optional']) {
      for (const [name, authorization] of bad) {
        const eventsBefore = events.length;
        const reply = await get(server.port, path, { authorization, 'x-test-key': 'key-bob' });
        expectTokenRefusal(reply, `${path} ${name}`);
        expect(
          events.slice(eventsBefore).map((event) => event.type),
          name,
        ).toEqual(['INVALID_TOKEN']);
      }
    }
  });

  it('sets the one auth context from a valid token: userId = sub, credentialId = family, role claim', async () => {
    const reply = await get(server.port, '/mixed', {
      authorization: `Bearer ${alice.accessToken}`,
      'x-test-key': 'key-bob',
    });
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body);
    expect(body.auth).toEqual({
      userId: 'alice',
      method: 'jwt',
      credentialId: familyOf(alice.accessToken),
      role: 'admin',
    });
    expect(body.jti).toBe((await tokens.verifyAccessToken(alice.accessToken)).jti);
  });

  it('lets the second credential authenticate when no bearer token is sent', async () => {
    const requests: Array<Record<string, string>> = [
      { 'x-test-key': 'key-bob' },
      { authorization: '', 'x-test-key': 'key-bob' },
    ];
    for (const headers of requests) {
      const reply = await get(server.port, '/mixed', headers);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({
        auth: { userId: 'bob', method: 'api-key', credentialId: 'key-1' },
        jti: null,
      });
    }
  });

  it('passes a request without any credential on an optional route, with auth undefined', async () => {
    const requests: Array<Record<string, string>> = [{}, { authorization: ' ' }];
    for (const headers of requests) {
      const reply = await get(server.port, '/optional', headers);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({ auth: 'undefined' });
    }
  });

  it('without any credential: ERR_AUTH_REQUIRED beside another authenticator, ERR_TOKEN_INVALID alone', async () => {
    const mixed = await get(server.port, '/mixed');
    expect(mixed.status).toBe(401);
    expect(mixed.headers['www-authenticate']).toBe('Bearer, TestKey');
    expect(JSON.parse(mixed.body)).toMatchObject({ code: 'ERR_AUTH_REQUIRED' });
    // requireJwt keeps its answer: the same body as a bad token, the RFC 6750 bare challenge.
    const alone = await get(server.port, '/me');
    expect(alone.status).toBe(401);
    expect(alone.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(alone.body)).toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  });
});

describe('accessTokenOf and jwtAuthenticator', () => {
  it('finds the verified token only behind a context the authenticator made', async () => {
    const authenticator = jwtAuthenticator(tokens);
    const request: SecurityRequest = {
      method: 'GET',
      url: '/',
      ip: '127.0.0.1',
      headers: { authorization: `Bearer ${alice.accessToken}` },
    };
    const context = await authenticator.authenticate(request);
    expect(accessTokenOf(context)).toMatchObject({ sub: 'alice', token_use: 'access' });
    const lookalike = createAuthContext({ ...(context as AuthContext) });
    expect(lookalike).toEqual(context);
    expect(accessTokenOf(lookalike)).toBe(undefined);
    expect(accessTokenOf(undefined)).toBe(undefined);
  });

  it('sets no role when the role claim is not a string', async () => {
    const pair = await tokens.issue('carol', { claims: { role: ['admin'] } });
    const context = await jwtAuthenticator(tokens).authenticate({
      method: 'GET',
      url: '/',
      ip: '127.0.0.1',
      headers: { authorization: `Bearer ${pair.accessToken}` },
    });
    expect(context).toEqual({
      userId: 'carol',
      method: 'jwt',
      credentialId: familyOf(pair.accessToken),
    });
  });

  it("carries the mfa_at claim (epoch ms) as the context's mfaAt, and nothing else for it", async () => {
    const at = 1_796_000_000_000;
    const context = async (claims: Record<string, unknown>) => {
      const pair = await tokens.issue('dave', { claims });
      return jwtAuthenticator(tokens).authenticate({
        method: 'GET',
        url: '/',
        ip: '127.0.0.1',
        headers: { authorization: `Bearer ${pair.accessToken}` },
      });
    };
    expect((await context({ mfa_at: at }))?.mfaAt).toBe(at);
    // Not a time a second factor could have passed at: no mfaAt, so a step-up guard refuses.
    for (const mfa_at of ['1796000000000', -1, 1.5, Number.MAX_VALUE, null, true]) {
      expect((await context({ mfa_at }))?.mfaAt).toBe(undefined);
    }
    expect((await context({}))?.mfaAt).toBe(undefined);
  });

  it('refuses a missing tokens service at start-up', () => {
    expect(() => jwtAuthenticator(undefined as never)).toThrow(/jwtAuthenticator\.tokens/);
  });
});
