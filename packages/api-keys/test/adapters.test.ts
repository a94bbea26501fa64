import type { AddressInfo } from 'node:net';
import {
  authenticate as coreAuthenticate,
  rampartCore as expressCore,
  notFoundHandler,
  problemErrorHandler,
} from '@rampart/core/express';
import { authenticate as fastifyAuthenticate, rampartCore } from '@rampart/core/fastify';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireScopes as expressScopes, requireApiKey } from '../src/express.js';
import { fastifyApiKeys, requireScopes as fastifyScopes } from '../src/fastify.js';
import { type ApiKeys, apiKeyAuthenticator, apiKeyOf, MemoryApiKeyStore } from '../src/index.js';
import { serviceOn } from './helpers/service.js';

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

const HOUR = 3_600_000;

/** Starts the app on a free port; `request` sends over a real socket. */
type Server = {
  request(path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
};

async function expressServer(apiKeys: ApiKeys): Promise<Server> {
  const app = express();
  app.use(expressCore());
  const whoami = (req: express.Request, res: express.Response) => {
    res.json({ userId: req.auth?.userId, method: req.auth?.method, keyId: apiKeyOf(req.auth)?.id });
  };
  app.get(
    '/read',
    requireApiKey(apiKeys, { bearer: true }),
    expressScopes('entities:read'),
    whoami,
  );
  app.get('/write', requireApiKey(apiKeys), expressScopes('entities:write'), whoami);
  app.get('/any', coreAuthenticate([apiKeyAuthenticator(apiKeys)]), whoami);
  app.use(notFoundHandler());
  app.use(problemErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    request: (path, headers = {}) => send(`http://127.0.0.1:${port}${path}`, headers),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function fastifyServer(apiKeys: ApiKeys): Promise<Server> {
  const app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyApiKeys, { apiKeys, bearer: true });
  const whoami = async (request: import('fastify').FastifyRequest) => ({
    userId: request.auth?.userId,
    method: request.auth?.method,
    keyId: apiKeyOf(request.auth)?.id,
  });
  app.get('/read', { preHandler: [app.requireApiKey, fastifyScopes('entities:read')] }, whoami);
  app.get('/write', { preHandler: [app.requireApiKey, fastifyScopes('entities:write')] }, whoami);
  app.get('/any', { preHandler: fastifyAuthenticate([apiKeyAuthenticator(apiKeys)]) }, whoami);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    request: (path, headers = {}) => send(`http://127.0.0.1:${port}${path}`, headers),
    close: () => app.close(),
  };
}

async function send(url: string, headers: Record<string, string>): Promise<Reply> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : JSON.parse(text),
  };
}

describe.each([
  ['Express', expressServer],
  ['Fastify', fastifyServer],
] as const)('the %s adapter', (_name, start) => {
  let server: Server;
  let apiKeys: ApiKeys;
  let key: string;
  let keyId: string;
  let limited: string;
  beforeAll(async () => {
    apiKeys = serviceOn(new MemoryApiKeyStore()).apiKeys;
    const created = await apiKeys.create({ ownerId: 'u1', name: 'k', scopes: ['entities:read'] });
    key = created.key;
    keyId = created.info.id;
    limited = (
      await apiKeys.create({
        ownerId: 'u2',
        name: 'limited',
        scopes: ['entities:*'],
        rateLimit: { limit: 1, windowMs: HOUR },
      })
    ).key;
    server = await start(apiKeys);
  });
  afterAll(async () => {
    await server.close();
    await apiKeys.close();
  });

  it('authenticates X-API-Key as the owner, method api-key, credential the key id', async () => {
    const reply = await server.request('/read', { 'x-api-key': key });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ userId: 'u1', method: 'api-key', keyId });
  });

  it('accepts Authorization: Bearer rk_… where configured', async () => {
    expect((await server.request('/read', { authorization: `Bearer ${key}` })).status).toBe(200);
    // Not where the authenticator was not told to: there it is no credential at all.
    const elsewhere = await server.request('/any', { authorization: `Bearer ${key}` });
    expect(elsewhere.body.code).toBe('ERR_AUTH_REQUIRED');
  });

  it('refuses a bad key with 401 ERR_API_KEY_INVALID as problem+json, and none with 401', async () => {
    for (const bad of [
      // Another last character (a key may end in any base62 character, `x` included).
      `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`,
      'rk_live_nonsense',
      apiKeys.format.generate('live', keyId),
    ]) {
      const reply = await server.request('/read', { 'x-api-key': bad });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe('ERR_API_KEY_INVALID');
      expect(reply.headers.get('www-authenticate')).toBe('ApiKey');
    }
    expect((await server.request('/read')).status).toBe(401);
    expect((await server.request('/any')).body.code).toBe('ERR_AUTH_REQUIRED');
  });

  it('refuses a scope the key lacks with 403 ERR_INSUFFICIENT_SCOPE', async () => {
    const reply = await server.request('/write', { 'x-api-key': key });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
      missingScopes: ['entities:write'],
    });
  });

  it('answers a key over its own limit with 429 and Retry-After, never 401, and sends the limit headers', async () => {
    const first = await server.request('/write', { 'x-api-key': limited });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"api-key";q=1;w=3600');
    expect(first.headers.get('ratelimit')).toMatch(/^"api-key";r=0;t=\d+$/);
    const second = await server.request('/write', { 'x-api-key': limited });
    expect(second.status).toBe(429);
    expect(second.body.code).toBe('ERR_RATE_LIMIT_EXCEEDED');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts the per-key limit on every route the key authenticates', async () => {
    const reply = await server.request('/any', { 'x-api-key': limited });
    expect(reply.status).toBe(429);
  });
});
