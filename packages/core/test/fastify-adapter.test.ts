import { Readable } from 'node:stream';
import { rawRequest } from '@rampart/test-utils';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RampartError } from '../src/errors/rampart-error.js';
import {
  problemFrameworkErrors,
  rampartCore,
  sendProblem,
  toSecurityRequest,
} from '../src/fastify.js';

const MIB = 1_048_576;
const PRETTY_BODY =
  '{\r\n\t"name" :  "Zoë 🚀 \\u00e9",\n   "n": [1 , 2.50, -0e0 ]  ,"nested":{ }\n}\n\t ';
const json = { 'content-type': 'application/json' };

async function buildApp(
  trustedProxies: string[],
  logLines: string[] = [],
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: 'error', stream: { write: (line: string) => void logLines.push(line) } },
  });
  await app.register(rampartCore, { trustedProxies });

  async function describeRequest(request: FastifyRequest) {
    const security = toSecurityRequest(request);
    return {
      method: security.method,
      url: security.url,
      route: security.route ?? null,
      ip: security.ip,
      clientIp: request.clientIp,
      forwarded: security.headers['x-forwarded-for'] ?? null,
      body: request.body ?? null,
      hasBody: request.body !== undefined,
      rawBody: request.rawBody === null ? null : request.rawBody.toString('base64'),
      securityRawBody:
        security.rawBody === undefined ? null : Buffer.from(security.rawBody).toString('base64'),
    };
  }

  app.post('/echo', describeRequest);
  app.get('/target/*', describeRequest);
  app.get('/items/:itemId', describeRequest);
  app.post(
    '/validated',
    {
      schema: {
        body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      },
    },
    async () => ({ ok: true }),
  );
  app.get('/boom', async () => {
    throw new Error('connection to postgres://admin:hunter2@db failed');
  });
  app.get('/limited', async () => {
    throw new RampartError({
      status: 429,
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      title: 'Too many requests',
      detail: 'Retry after 30 seconds.',
      headers: { 'Retry-After': '30' },
      extensions: { retryAfter: 30 },
    });
  });
  app.get('/auth', async (_request, reply: FastifyReply) =>
    sendProblem(
      reply,
      new RampartError({
        status: 401,
        code: 'ERR_TOKEN_INVALID',
        title: 'Unauthorized',
        detail: 'Send a valid bearer token.',
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      }),
    ),
  );
  app.get('/teapot', async () => {
    throw Object.assign(new Error('internal: table users missing'), { statusCode: 418 });
  });
  return app;
}

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>;

function expectProblem(response: Injected, status: number, code: string, instance: string) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const problem = response.json() as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code, instance });
  expect(typeof problem.type).toBe('string');
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  return problem;
}

const logLines: string[] = [];
let app: FastifyInstance;
let proxied: FastifyInstance;

beforeAll(async () => {
  app = await buildApp([], logLines);
  proxied = await buildApp(['loopback', '10.0.0.0/8']);
  await Promise.all([app.ready(), proxied.ready()]);
});

afterAll(async () => {
  await Promise.all([app.close(), proxied.close()]);
});

describe('Fastify adapter: configuration', () => {
  it('refuses a bad CIDR and a bad body limit when the plugin loads', async () => {
    const badCidr = Fastify();
    badCidr.register(rampartCore, { trustedProxies: ['10.0.0.0/8', '10.0.0.0/40'] });
    await expect(badCidr.ready()).rejects.toMatchObject({
      option: 'rampartCore.trustedProxies[1]',
      code: 'ERR_CONFIG_INVALID_VALUE',
    });
    const badLimit = Fastify();
    badLimit.register(rampartCore, { bodyLimit: -1 });
    await expect(badLimit.ready()).rejects.toMatchObject({ option: 'rampartCore.bodyLimit' });
  });

  it('leaves the error and not-found handlers to the app when asked', async () => {
    const own = Fastify();
    await own.register(rampartCore, { errorHandler: false, notFoundHandler: false });
    own.setNotFoundHandler((_request, reply) => reply.code(404).send('own'));
    const response = await own.inject({ url: '/x' });
    expect(response.body).toBe('own');
    await own.close();
  });
});

describe('Fastify adapter: problems', () => {
  it('sends a thrown RampartError as problem+json with its headers', async () => {
    const response = await app.inject({ url: '/limited?user=1' });
    const problem = expectProblem(response, 429, 'ERR_RATE_LIMIT_EXCEEDED', '/limited');
    expect(problem).toEqual({
      type: 'urn:rampart:problem:err-rate-limit-exceeded',
      title: 'Too many requests',
      status: 429,
      detail: 'Retry after 30 seconds.',
      instance: '/limited',
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      retryAfter: 30,
    });
    expect(response.headers['retry-after']).toBe('30');
  });

  it('sends a problem through sendProblem with WWW-Authenticate', async () => {
    const response = await app.inject({ url: '/auth' });
    expectProblem(response, 401, 'ERR_TOKEN_INVALID', '/auth');
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('answers an unknown route with a 404 problem', async () => {
    expectProblem(
      await app.inject({ url: '/nowhere?token=secret' }),
      404,
      'ERR_NOT_FOUND',
      '/nowhere',
    );
  });

  it('turns an unknown error into a generic 500, logged and not leaked', async () => {
    logLines.length = 0;
    const response = await app.inject({ url: '/boom' });
    const problem = expectProblem(response, 500, 'ERR_INTERNAL', '/boom');
    expect(problem.detail).toBe('The server failed to handle the request.');
    expect(response.body).not.toMatch(/hunter2|postgres|stack/);
    expect(logLines.some((line) => line.includes('hunter2'))).toBe(true);
  });

  it('keeps the status of a foreign 4xx error but not its message', async () => {
    const response = await app.inject({ url: '/teapot' });
    expectProblem(response, 418, 'ERR_CLIENT_ERROR', '/teapot');
    expect(response.body).not.toContain('users');
  });

  it('answers a schema validation failure with 400 ERR_VALIDATION', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/validated',
      headers: json,
      payload: '{"other":1}',
    });
    const problem = expectProblem(response, 400, 'ERR_VALIDATION', '/validated');
    expect(problem.detail).toContain('name');
  });
});

describe('Fastify adapter: errors before routing', () => {
  it('answers a malformed path with a 400 problem through problemFrameworkErrors', async () => {
    const server = Fastify({ frameworkErrors: problemFrameworkErrors });
    await server.register(rampartCore);
    server.get('/items/:itemId', async () => ({ ok: true }));
    const response = await server.inject({ url: '/items/%zz?q=1' });
    // The code core's strictRequest gives the same path on Express.
    expectProblem(response, 400, 'ERR_INVALID_PATH', '/items/%zz');
    expect(response.body).not.toContain('FST_');
    await server.close();
  });
});

describe('Fastify adapter: JSON bodies', () => {
  it('keeps the exact bytes of a pretty-printed body and parses it', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: json,
      payload: PRETTY_BODY,
    });
    expect(response.statusCode).toBe(200);
    const echoed = response.json();
    expect(Buffer.from(echoed.rawBody, 'base64').equals(Buffer.from(PRETTY_BODY))).toBe(true);
    expect(echoed.securityRawBody).toBe(echoed.rawBody);
    // The echo goes through JSON again, which writes -0 as 0.
    expect(echoed.body).toEqual({ name: 'Zoë 🚀 é', n: [1, 2.5, 0], nested: {} });
  });

  it('passes a request without a body with body undefined and rawBody null', async () => {
    const none = await app.inject({ method: 'POST', url: '/echo' });
    expect(none.json()).toMatchObject({ hasBody: false, rawBody: null });
    const empty = await app.inject({ method: 'POST', url: '/echo', headers: json, payload: '' });
    expect(empty.json()).toMatchObject({ hasBody: false, rawBody: null });
  });

  it('accepts +json types', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' },
      payload: '{"a":1}',
    });
    expect(response.json()).toMatchObject({ body: { a: 1 } });
  });

  it('answers 413 for a body over 1 MiB by Content-Length', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: json,
      payload: Buffer.alloc(MIB + 1, 0x20),
    });
    expectProblem(response, 413, 'ERR_PAYLOAD_TOO_LARGE', '/echo');
  });

  it('answers 413 for a streamed body that grows over 1 MiB', async () => {
    const chunks = Array.from({ length: 17 }, () => Buffer.alloc(64 * 1024, 0x20));
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: json,
      payload: Readable.from(chunks),
    });
    expectProblem(response, 413, 'ERR_PAYLOAD_TOO_LARGE', '/echo');
  });

  it('answers 415 for text/plain, for a body without a type and for a compressed body', async () => {
    const base = { method: 'POST' as const, url: '/echo?x=1', payload: '{"a":1}' };
    expectProblem(
      await app.inject({ ...base, headers: { 'content-type': 'text/plain' } }),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      '/echo',
    );
    expectProblem(
      await app.inject({
        ...base,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      '/echo',
    );
    expectProblem(
      await app.inject({ ...base, headers: { 'content-type': 'nonsense' } }),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      '/echo',
    );
    expectProblem(
      await app.inject({ ...base, headers: { ...json, 'content-encoding': 'gzip' } }),
      415,
      'ERR_UNSUPPORTED_CONTENT_ENCODING',
      '/echo',
    );
    expectProblem(
      await app.inject({
        ...base,
        headers: { 'content-type': 'application/json; charset=utf-16' },
      }),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      '/echo',
    );
  });

  it('answers 400 for malformed JSON and prototype poisoning', async () => {
    for (const payload of [
      '{"a":',
      '{"__proto__":{"x":1}}',
      '{"a":{"constructor":{"prototype":{"x":1}}}}',
    ]) {
      const response = await app.inject({ method: 'POST', url: '/echo', headers: json, payload });
      expectProblem(response, 400, 'ERR_MALFORMED_JSON', '/echo');
    }
  });
});

describe('Fastify adapter: the security request', () => {
  it('reports the matched route', async () => {
    const response = await app.inject({ url: '/items/42?full=1' });
    expect(response.json()).toMatchObject({
      url: '/items/42?full=1',
      route: '/items/:itemId',
      method: 'GET',
    });
  });

  it('takes the client IP from the socket, XFF only via a trusted proxy', async () => {
    const untrusted = await proxied.inject({
      url: '/items/1',
      remoteAddress: '203.0.113.9',
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    expect(untrusted.json()).toMatchObject({ ip: '203.0.113.9', clientIp: '203.0.113.9' });
    const trusted = await proxied.inject({
      url: '/items/1',
      remoteAddress: '::ffff:10.1.2.3',
      headers: { 'x-forwarded-for': '203.0.113.5, 198.51.100.7, 10.0.0.9' },
    });
    expect(trusted.json()).toMatchObject({ ip: '198.51.100.7', clientIp: '198.51.100.7' });
    const direct = await app.inject({
      url: '/items/1',
      remoteAddress: '10.1.2.3',
      headers: { 'x-forwarded-for': '1.1.1.1' },
    });
    expect(direct.json()).toMatchObject({ ip: '10.1.2.3', clientIp: '10.1.2.3' });
  });

  it('without rampartCore, reports the socket peer, IPv4-mapped as IPv4, and never XFF', async () => {
    const bare = Fastify();
    bare.get('/ip', async (request) => ({ ip: toSecurityRequest(request).ip }));
    const response = await bare.inject({
      url: '/ip',
      remoteAddress: '::ffff:192.0.2.1',
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    expect(response.json()).toEqual({ ip: '192.0.2.1' });
    await bare.close();
  });
});

describe('Fastify adapter: a real listening server', () => {
  let server: FastifyInstance;
  let port = 0;

  beforeAll(async () => {
    server = await buildApp(['loopback']);
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });

  afterAll(async () => {
    await server.close();
  });

  it('keeps the request target exactly as received', async () => {
    const response = await rawRequest(port, { path: '/target/a/../b?x=1&x=2%20' });
    expect(response.json()).toMatchObject({ url: '/target/a/../b?x=1&x=2%20', route: '/target/*' });
  });

  it('takes the client IP from the socket, and from XFF via the trusted loopback proxy', async () => {
    expect((await rawRequest(port, { path: '/items/1' })).json()).toMatchObject({
      ip: '127.0.0.1',
      clientIp: '127.0.0.1',
    });
    const forwarded = await rawRequest(port, {
      path: '/items/1',
      headers: { 'x-forwarded-for': ['203.0.113.5', '127.0.0.9'] },
    });
    expect(forwarded.json()).toMatchObject({ ip: '203.0.113.5', clientIp: '203.0.113.5' });
  });

  it('keeps the bytes of a chunked body', async () => {
    const bytes = Buffer.from(PRETTY_BODY);
    const response = await rawRequest(port, {
      method: 'POST',
      path: '/echo',
      headers: json,
      body: [bytes.subarray(0, 5), bytes.subarray(5)],
    });
    expect(Buffer.from(response.json().rawBody as string, 'base64').equals(bytes)).toBe(true);
  });

  it('answers 413 by Content-Length and for a chunked body over the limit', async () => {
    const byLength = await rawRequest(port, {
      method: 'POST',
      path: '/echo',
      headers: json,
      body: Buffer.alloc(MIB + 1, 0x20),
    });
    expect(byLength.status).toBe(413);
    expect(byLength.json()).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE', instance: '/echo' });
    const chunks = Array.from({ length: 17 }, () => Buffer.alloc(64 * 1024, 0x20));
    const chunked = await rawRequest(port, {
      method: 'POST',
      path: '/echo',
      headers: json,
      body: chunks,
    });
    expect(chunked.status).toBe(413);
    expect(chunked.headers['content-type']).toBe('application/problem+json');
  });

  it('answers 415, 400 and 404 problems over the wire', async () => {
    const plain = await rawRequest(port, {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(plain.json()).toMatchObject({ status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
    const poisoned = await rawRequest(port, {
      method: 'POST',
      path: '/echo',
      headers: json,
      body: '{"__proto__":{"x":1}}',
    });
    expect(poisoned.json()).toMatchObject({ status: 400, code: 'ERR_MALFORMED_JSON' });
    const missing = await rawRequest(port, { path: '/a/../nowhere?q=1' });
    expect(missing.json()).toMatchObject({
      status: 404,
      code: 'ERR_NOT_FOUND',
      instance: '/a/../nowhere',
    });
  });

  it('answers an unknown error with a generic 500', async () => {
    const response = await rawRequest(port, { path: '/boom' });
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('hunter2');
  });
});
