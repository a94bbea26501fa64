import type { AddressInfo } from 'node:net';
import { type RawRequest, rawRequest } from '@rampart/test-utils';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RampartError } from '../src/errors/rampart-error.js';
import {
  jsonBody,
  notFoundHandler,
  problemErrorHandler,
  rampartCore,
  sendProblem,
  toSecurityRequest,
} from '../src/express.js';

const MIB = 1_048_576;

/** A pretty-printed body with odd whitespace, escapes and non-ASCII text, to be kept byte for byte. */
const PRETTY_BODY =
  '{\r\n\t"name" :  "Zoë 🚀 \\u00e9",\n   "n": [1 , 2.50, -0e0 ]  ,"nested":{ }\n}\n\t ';

/** `trustedProxies` mounts `rampartCore()` with them; without, the app has no `rampartCore()`. */
function buildApp(trustedProxies: string[] | undefined, log: (error: unknown) => void) {
  const app = express();
  if (trustedProxies !== undefined) app.use(rampartCore({ trustedProxies }));
  app.use(jsonBody());

  function describeRequest(req: Request, res: Response): void {
    const security = toSecurityRequest(req);
    res.json({
      method: security.method,
      url: security.url,
      route: security.route ?? null,
      ip: security.ip,
      forwarded: security.headers['x-forwarded-for'] ?? null,
      body: req.body ?? null,
      hasBody: req.body !== undefined,
      rawBody:
        security.rawBody === undefined ? null : Buffer.from(security.rawBody).toString('base64'),
    });
  }

  app.post('/echo', describeRequest);
  app.get('/target/{*rest}', describeRequest);
  const router = express.Router();
  router.get('/items/:itemId', describeRequest);
  app.use('/api/v1', router);

  app.get('/boom', function boom() {
    throw new Error('connection to postgres://admin:hunter2@db failed');
  });
  app.get('/limited', function limited() {
    throw new RampartError({
      status: 429,
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      title: 'Too many requests',
      detail: 'Retry after 30 seconds.',
      headers: { 'Retry-After': '30' },
      extensions: { retryAfter: 30 },
    });
  });
  app.get('/auth', function auth(_req: Request, _res: Response, next: NextFunction) {
    next(
      new RampartError({
        status: 401,
        code: 'ERR_TOKEN_INVALID',
        title: 'Unauthorized',
        detail: 'Send a valid bearer token.',
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      }),
    );
  });
  app.get('/teapot', function teapot() {
    throw Object.assign(new Error('internal: table users missing'), { status: 418 });
  });
  app.get(
    '/body-parser-large',
    function bodyParserLarge(_req: Request, _res: Response, next: NextFunction) {
      next(
        Object.assign(new Error('request entity too large'), {
          type: 'entity.too.large',
          status: 413,
          limit: 10,
        }),
      );
    },
  );
  app.get(
    '/body-parser-json',
    function bodyParserJson(_req: Request, _res: Response, next: NextFunction) {
      next(
        Object.assign(new Error('Unexpected token } in JSON'), {
          type: 'entity.parse.failed',
          status: 400,
        }),
      );
    },
  );
  app.get('/direct', function direct(_req: Request, res: Response) {
    sendProblem(res, new Error('secret'), '/custom-instance');
  });

  app.use(notFoundHandler());
  app.use(problemErrorHandler({ log }));
  return app;
}

const log = vi.fn();
const servers: ReturnType<ReturnType<typeof express>['listen']>[] = [];
let directPort = 0;
let proxiedPort = 0;

async function listen(app: ReturnType<typeof express>): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) reject(error);
      else resolve((server.address() as AddressInfo).port);
    });
    servers.push(server);
  });
}

beforeAll(async () => {
  directPort = await listen(buildApp(undefined, log));
  proxiedPort = await listen(buildApp(['loopback'], log));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

const send = (options: RawRequest) => rawRequest(directPort, options);

function expectProblem(
  response: Awaited<ReturnType<typeof send>>,
  status: number,
  code: string,
  instance: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const problem = response.json();
  expect(problem).toMatchObject({ status, code, instance });
  expect(typeof problem.type).toBe('string');
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  return problem;
}

describe('Express adapter: configuration', () => {
  it('refuses a bad limit and a bad log at construction', () => {
    expect(() => jsonBody({ limit: 0 })).toThrow(
      expect.objectContaining({ option: 'jsonBody.limit' }),
    );
    expect(() => jsonBody({ limit: 1.5 })).toThrow(
      expect.objectContaining({ option: 'jsonBody.limit' }),
    );
    expect(() => problemErrorHandler({ log: 'console' as never })).toThrow(
      expect.objectContaining({ option: 'problemErrorHandler.log' }),
    );
  });
});

describe('Express adapter: problems', () => {
  it('sends a RampartError as problem+json with its headers', async () => {
    const response = await send({ path: '/limited?user=1' });
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

  it('carries WWW-Authenticate of an error passed to next()', async () => {
    const response = await send({ path: '/auth' });
    expectProblem(response, 401, 'ERR_TOKEN_INVALID', '/auth');
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await send({ path: '/nowhere?token=secret' });
    expectProblem(response, 404, 'ERR_NOT_FOUND', '/nowhere');
    expect(response.text).not.toContain('secret');
  });

  it('turns an unknown error into a generic 500, logged and not leaked', async () => {
    log.mockClear();
    const response = await send({ path: '/boom' });
    const problem = expectProblem(response, 500, 'ERR_INTERNAL', '/boom');
    expect(problem.detail).toBe('The server failed to handle the request.');
    expect(response.text).not.toMatch(/hunter2|postgres|stack|at /);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toMatchObject({ message: expect.stringContaining('hunter2') });
  });

  it('keeps the status of a foreign 4xx error but not its message', async () => {
    const response = await send({ path: '/teapot' });
    expectProblem(response, 418, 'ERR_CLIENT_ERROR', '/teapot');
    expect(response.text).not.toContain('users');
  });

  it('maps body-parser errors', async () => {
    expectProblem(
      await send({ path: '/body-parser-large' }),
      413,
      'ERR_PAYLOAD_TOO_LARGE',
      '/body-parser-large',
    );
    expectProblem(
      await send({ path: '/body-parser-json' }),
      400,
      'ERR_MALFORMED_JSON',
      '/body-parser-json',
    );
  });

  it('lets sendProblem take an explicit instance and hides unknown errors', async () => {
    expectProblem(await send({ path: '/direct' }), 500, 'ERR_INTERNAL', '/custom-instance');
  });
});

describe('Express adapter: JSON bodies', () => {
  const json = { 'content-type': 'application/json' };

  it('keeps the exact bytes of a pretty-printed body and parses it', async () => {
    const response = await send({
      method: 'POST',
      path: '/echo',
      headers: json,
      body: PRETTY_BODY,
    });
    expect(response.status).toBe(200);
    const echoed = response.json();
    expect(Buffer.from(echoed.rawBody as string, 'base64').equals(Buffer.from(PRETTY_BODY))).toBe(
      true,
    );
    // The echo goes through JSON again, which writes -0 as 0.
    expect(echoed.body).toEqual({ name: 'Zoë 🚀 é', n: [1, 2.5, 0], nested: {} });
  });

  it('keeps the bytes of a chunked body', async () => {
    const chunks = [Buffer.from(PRETTY_BODY).subarray(0, 7), Buffer.from(PRETTY_BODY).subarray(7)];
    const response = await send({ method: 'POST', path: '/echo', headers: json, body: chunks });
    expect(Buffer.from(response.json().rawBody as string, 'base64').toString()).toBe(PRETTY_BODY);
  });

  it('passes a request without a body with req.body undefined', async () => {
    const none = await send({ method: 'POST', path: '/echo' });
    expect(none.json()).toMatchObject({ hasBody: false, rawBody: null });
    const empty = await send({ method: 'POST', path: '/echo', headers: json, body: '' });
    expect(empty.json()).toMatchObject({ hasBody: false, rawBody: null });
  });

  it('reads no body on GET and HEAD, as Fastify does: no 400, 413 or 415 for one', async () => {
    for (const body of ['{broken', 'x'.repeat(2 * MIB)]) {
      for (const headers of [json, { 'content-type': 'text/plain' }]) {
        const response = await send({ method: 'GET', path: '/target/x', headers, body });
        expect(response.status).toBe(200);
        expect(response.json()).toMatchObject({ hasBody: false, rawBody: null });
      }
    }
    const head = await send({ method: 'HEAD', path: '/target/x', headers: json, body: '{broken' });
    expect(head.status).toBe(200);
  });

  it('accepts +json types', async () => {
    const response = await send({
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"a":1}',
    });
    expect(response.json()).toMatchObject({ body: { a: 1 } });
  });

  it('answers 413 for a body over 1 MiB by Content-Length', async () => {
    const response = await send({
      method: 'POST',
      path: '/echo',
      headers: json,
      body: Buffer.alloc(MIB + 1, 0x20),
    });
    expectProblem(response, 413, 'ERR_PAYLOAD_TOO_LARGE', '/echo');
    expect(response.headers.connection).toBe('close');
  });

  it('answers 413 for a chunked body that grows over 1 MiB', async () => {
    const chunks = Array.from({ length: 17 }, () => Buffer.alloc(64 * 1024, 0x20));
    const response = await send({ method: 'POST', path: '/echo', headers: json, body: chunks });
    expectProblem(response, 413, 'ERR_PAYLOAD_TOO_LARGE', '/echo');
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const body = Buffer.alloc(MIB, 0x20);
    body.write('{}', 0);
    const response = await send({ method: 'POST', path: '/echo', headers: json, body });
    expect(response.status).toBe(200);
  });

  it('answers 415 for a text/plain body and for a body without a type', async () => {
    const plain = { method: 'POST', path: '/echo?x=1', body: '{"a":1}' };
    expectProblem(
      await send({ ...plain, headers: { 'content-type': 'text/plain' } }),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      '/echo',
    );
    expectProblem(await send(plain), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE', '/echo');
    expectProblem(
      await send({ ...plain, headers: { ...json, 'content-encoding': 'gzip' } }),
      415,
      'ERR_UNSUPPORTED_CONTENT_ENCODING',
      '/echo',
    );
  });

  it('answers 400 for malformed JSON and prototype poisoning', async () => {
    for (const body of [
      '{"a":',
      '{"__proto__":{"x":1}}',
      '{"a":{"constructor":{"prototype":{"x":1}}}}',
    ]) {
      const response = await send({ method: 'POST', path: '/echo', headers: json, body });
      expectProblem(response, 400, 'ERR_MALFORMED_JSON', '/echo');
    }
  });
});

describe('Express adapter: the security request', () => {
  it('keeps the request target exactly as received and reports the matched route', async () => {
    const response = await send({ path: '/target/a/../b?x=1&x=2%20' });
    expect(response.json()).toMatchObject({
      method: 'GET',
      url: '/target/a/../b?x=1&x=2%20',
      route: '/target/{*rest}',
    });
    const mounted = await send({ path: '/api/v1/items/42?full=1' });
    expect(mounted.json()).toMatchObject({
      url: '/api/v1/items/42?full=1',
      route: '/api/v1/items/:itemId',
    });
  });

  it('takes the client IP from the socket and ignores X-Forwarded-For from an untrusted peer', async () => {
    const response = await send({
      path: '/target/x',
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    expect(response.json()).toMatchObject({ ip: '127.0.0.1', forwarded: '198.51.100.7' });
  });

  it('believes X-Forwarded-For only via a trusted proxy, repeated headers in order', async () => {
    const proxied = await rawRequest(proxiedPort, {
      path: '/target/x',
      headers: { 'x-forwarded-for': ['203.0.113.5, 198.51.100.7', '127.0.0.2'] },
    });
    expect(proxied.json()).toMatchObject({
      ip: '198.51.100.7',
      forwarded: ['203.0.113.5, 198.51.100.7', '127.0.0.2'],
    });
    const plain = await rawRequest(proxiedPort, { path: '/target/x' });
    expect(plain.json()).toMatchObject({ ip: '127.0.0.1' });
  });

  it('reads the IP rampartCore() resolved (req.clientIp), else the socket peer, IPv4-mapped as IPv4', () => {
    const fake = (fields: Record<string, unknown>) =>
      ({
        method: 'get',
        url: '/x',
        originalUrl: '/x',
        rawHeaders: ['X-Forwarded-For', '198.51.100.7'],
        socket: { remoteAddress: '::ffff:192.0.2.1' },
        ...fields,
      }) as unknown as Request;
    expect(toSecurityRequest(fake({})).ip).toBe('192.0.2.1');
    expect(toSecurityRequest(fake({ clientIp: '203.0.113.9' })).ip).toBe('203.0.113.9');
    expect(toSecurityRequest(fake({ socket: {} })).ip).toBe('0.0.0.0');
  });

  it('gives each socket peer its own IP when peers alternate, repeat, or have none', () => {
    const peerOf = (remoteAddress: string | undefined) =>
      toSecurityRequest({
        method: 'get',
        url: '/x',
        originalUrl: '/x',
        rawHeaders: [],
        socket: { remoteAddress },
      } as unknown as Request).ip;
    const peers: Array<[string | undefined, string]> = [
      ['::ffff:192.0.2.1', '192.0.2.1'],
      ['::ffff:192.0.2.1', '192.0.2.1'],
      ['2001:db8::1', '2001:db8::1'],
      [undefined, '0.0.0.0'],
      ['198.51.100.4', '198.51.100.4'],
      ['not an address', '0.0.0.0'],
      ['::ffff:192.0.2.1', '192.0.2.1'],
    ];
    expect(peers.map(([address]) => peerOf(address))).toEqual(peers.map(([, ip]) => ip));
  });

  it('rampartCore() sets req.clientIp once, and refuses unknown or bad options naming them', async () => {
    const middleware = rampartCore({ trustedProxies: ['loopback'] });
    const req = {
      headers: { 'x-forwarded-for': '203.0.113.5' },
      socket: { remoteAddress: '::ffff:127.0.0.1' },
    } as unknown as Request;
    const next = vi.fn();
    middleware(req, {} as Response, next as NextFunction);
    expect(req.clientIp).toBe('203.0.113.5');
    expect(next).toHaveBeenCalledWith();
    expect(() => rampartCore({ trustProxy: true } as never)).toThrow(/rampartCore\.trustProxy/);
    expect(() => rampartCore({ trustedProxies: ['10.0.0.0/33'] })).toThrow(/trustedProxies/);
  });
});
