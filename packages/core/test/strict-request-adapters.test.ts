import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawHttpResponse, rawHttp, rawRequestText as request } from '@rampart/test-utils';
import express, { type NextFunction, type Request, type Response } from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRampartError } from '../src/errors/rampart-error.js';
import {
  jsonBody,
  notFoundHandler,
  problemErrorHandler,
  sendProblem,
  strictRequest,
} from '../src/express.js';
import { problemFrameworkErrors, rampartCore } from '../src/fastify.js';
import { problemClientErrors } from '../src/http/client-errors.js';
import { problemExpectations } from '../src/http/expectations.js';
import { DEFAULT_REQUEST_METHODS } from '../src/http/strict-request.js';

/**
 * The same small app on both frameworks, wired as the READMEs say: Express with strictRequest()
 * first, Fastify with rampartCore (its strictRequest hook on by default) and
 * problemFrameworkErrors; both servers with problemClientErrors and problemExpectations, and
 * `requireHostHeader: false` (the strict check refuses an HTTP/1.1 request without Host).
 */
function expressApp() {
  const app = express();
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.use(strictRequest());
  app.use(jsonBody());
  app.post('/api/login', (req: Request, res: Response) => {
    res.json({ route: 'login', body: req.body ?? null });
  });
  app.get('/items/:itemId', (req: Request, res: Response) => {
    res.json({ route: 'items', itemId: req.params.itemId });
  });
  app.use(notFoundHandler());
  app.use(problemErrorHandler());
  return app;
}

async function fastifyApp(
  options: Parameters<typeof rampartCore>[1] = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    http: { requireHostHeader: false },
    frameworkErrors: problemFrameworkErrors,
    clientErrorHandler: problemClientErrors(),
  });
  app.server.on('checkExpectation', problemExpectations());
  await app.register(rampartCore, options);
  app.post('/api/login', async (request) => ({ route: 'login', body: request.body ?? null }));
  app.get('/items/:itemId', async (request) => ({
    route: 'items',
    itemId: (request.params as { itemId: string }).itemId,
  }));
  return app;
}

function listenExpress(app: ReturnType<typeof express>): Promise<{ port: number; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = createServer({ requireHostHeader: false }, app);
    server.on('clientError', problemClientErrors());
    server.on('checkExpectation', problemExpectations());
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({ port: (server.address() as AddressInfo).port, server });
    });
  });
}

async function listenFastify(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

let expressServer: Server;
let fastify: FastifyInstance;
const ports: Record<'express' | 'fastify', number> = { express: 0, fastify: 0 };

beforeAll(async () => {
  const started = await listenExpress(expressApp());
  expressServer = started.server;
  ports.express = started.port;
  fastify = await fastifyApp();
  ports.fastify = await listenFastify(fastify);
});

afterAll(async () => {
  await new Promise((resolve) => expressServer.close(resolve));
  await fastify.close();
});

const JSON_TYPE = 'Content-Type: application/json';
const TEXT_TYPE = 'Content-Type: text/plain';

/** [name, raw request, status, code (or the route reached)] */
const CASES: ReadonlyArray<readonly [string, string, number, string]> = [
  [
    'a needless escape reaching a route on Fastify',
    request('POST', '/api/%6cogin', [JSON_TYPE], '{}'),
    400,
    'ERR_INVALID_PATH',
  ],
  ['a needless escape in a parameter', request('GET', '/items/%61bc'), 400, 'ERR_INVALID_PATH'],
  ['an escaped dot segment', request('GET', '/%2e%2e/items/x'), 400, 'ERR_INVALID_PATH'],
  ['a malformed escape', request('GET', '/%zz'), 400, 'ERR_INVALID_PATH'],
  ['a malformed escape in a parameter', request('GET', '/items/%zz'), 400, 'ERR_INVALID_PATH'],
  ['escapes that are not UTF-8', request('GET', '/items/%ff'), 400, 'ERR_INVALID_PATH'],
  ['a needed escape', request('GET', '/items/a%20b%2Fc%C3%A9'), 200, 'items'],
  ['QUERY', request('QUERY', '/api/login', [JSON_TYPE], '{}'), 400, 'ERR_METHOD_NOT_SUPPORTED'],
  ['QUERY without Content-Type', request('QUERY', '/nowhere'), 400, 'ERR_METHOD_NOT_SUPPORTED'],
  ['TRACE', request('TRACE', '/items/x'), 400, 'ERR_METHOD_NOT_SUPPORTED'],
  ['a method no route serves', request('PUT', '/items/x'), 404, 'ERR_NOT_FOUND'],
  [
    'Content-Type JSON then text',
    request('POST', '/api/login', [JSON_TYPE, TEXT_TYPE], '{}'),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'Content-Type text then JSON',
    request('POST', '/api/login', [TEXT_TYPE, JSON_TYPE], '{}'),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'two Authorization headers',
    request('GET', '/items/x', ['Authorization: Bearer a', 'authorization: Bearer b']),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'two X-Api-Key headers',
    request('GET', '/items/x', ['X-Api-Key: a', 'X-API-KEY: b']),
    400,
    'ERR_HEADER_REPEATED',
  ],
  ['two Host headers', request('GET', '/items/x', ['Host: other']), 400, 'ERR_HEADER_REPEATED'],
  ['two Cookie headers', request('GET', '/items/x', ['Cookie: a=1', 'Cookie: b=2']), 200, 'items'],
  [
    'two Content-Length headers',
    request('POST', '/api/login', [JSON_TYPE, 'Content-Length: 2'], '{}'),
    400,
    'ERR_MALFORMED_REQUEST',
  ],
  [
    'a body compressed as a transfer coding (gzip, chunked)',
    `POST /api/login HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${JSON_TYPE}\r\n` +
      'Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    415,
    'ERR_UNSUPPORTED_CONTENT_ENCODING',
  ],
  [
    'a chunked body',
    `POST /api/login HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${JSON_TYPE}\r\n` +
      'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    200,
    'login',
  ],
  ['an absolute-form target', request('GET', 'http://example.com/items/x'), 200, 'items'],
  [
    'an absolute-form target with a port out of range',
    request('GET', 'http://example.com:99999/items/x'),
    400,
    'ERR_INVALID_PATH',
  ],
  [
    'an absolute-form target without a host',
    request('GET', 'http:///items/x'),
    400,
    'ERR_INVALID_PATH',
  ],
  [
    'an absolute-form target of another scheme',
    request('GET', 'ftp://example.com/items/x'),
    400,
    'ERR_INVALID_PATH',
  ],
  ['an unknown method', request('BREW', '/items/x'), 400, 'ERR_MALFORMED_REQUEST'],
  ['a space in the path', request('GET', '/items/a b'), 400, 'ERR_MALFORMED_REQUEST'],
  [
    'HTTP/1.1 without Host',
    'GET /items/x HTTP/1.1\r\nConnection: close\r\n\r\n',
    400,
    'ERR_MALFORMED_REQUEST',
  ],
  [
    'HTTP/1.1 without Host, with a malformed escape (the path first, as Fastify meets it)',
    'GET /items/%zz HTTP/1.1\r\nConnection: close\r\n\r\n',
    400,
    'ERR_INVALID_PATH',
  ],
  ['HTTP/1.0 without Host', 'GET /items/x HTTP/1.0\r\n\r\n', 200, 'items'],
  ['Expect: foo', request('GET', '/items/x', ['Expect: foo']), 417, 'ERR_EXPECTATION_FAILED'],
];

function summary(response: RawHttpResponse) {
  const parsed = JSON.parse(response.body) as Record<string, unknown>;
  return { status: response.status, type: response.headers['content-type'], parsed };
}

describe('strictRequest: both frameworks answer odd requests alike', () => {
  it.each(CASES)('%s', async (_name, raw, status, expected) => {
    const [onExpress, onFastify] = await Promise.all([
      rawHttp(ports.express, raw),
      rawHttp(ports.fastify, raw),
    ]);
    for (const response of [onExpress, onFastify]) {
      const { parsed, type } = summary(response);
      expect(response.status, response.body).toBe(status);
      if (status >= 400) {
        expect(type).toBe('application/problem+json');
        expect(parsed.code).toBe(expected);
      } else {
        expect(parsed.route).toBe(expected);
      }
    }
    expect(summary(onFastify).parsed).toEqual(summary(onExpress).parsed);
  });
});

describe('strictRequest options', () => {
  it('Express: forwardErrors hands the refusal to the error middleware', async () => {
    const app = express();
    app.use(strictRequest({ forwardErrors: true }));
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(418).json({ forwarded: isRampartError(error) ? error.code : null });
    });
    const { port, server } = await listenExpress(app);
    const response = await rawHttp(port, request('TRACE', '/x'));
    expect(response.status).toBe(418);
    expect(JSON.parse(response.body)).toEqual({ forwarded: 'ERR_METHOD_NOT_SUPPORTED' });
    await new Promise((resolve) => server.close(resolve));
  });

  it('Express and Fastify serve the methods given', async () => {
    const methods = [...DEFAULT_REQUEST_METHODS, 'QUERY'];
    const app = express();
    app.use(strictRequest({ methods }));
    app.use((req: Request, res: Response) => {
      if (req.method === 'QUERY') res.json({ route: 'query' });
      else sendProblem(res, new Error('unexpected'));
    });
    const { port, server } = await listenExpress(app);
    const onFastify = await fastifyApp({ strictRequest: { methods } });
    onFastify.route({ method: 'QUERY', url: '/search', handler: async () => ({ route: 'query' }) });
    const fastifyPort = await listenFastify(onFastify);
    for (const target of [port, fastifyPort]) {
      const response = await rawHttp(target, request('QUERY', '/search', [JSON_TYPE], '{}'));
      expect(response.status, response.body).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ route: 'query' });
    }
    await new Promise((resolve) => server.close(resolve));
    await onFastify.close();
  });

  it('Fastify: strictRequest: false leaves Fastify to decode the path (the escape reaches the route)', async () => {
    const app = await fastifyApp({ strictRequest: false });
    const response = await app.inject({ method: 'POST', url: '/api/%6cogin', payload: {} });
    expect(response.json()).toMatchObject({ route: 'login' });
    await app.close();
  });

  it('misconfiguration throws at start-up, naming the option', async () => {
    expect(() => strictRequest({ method: ['GET'] } as never)).toThrow('strictRequest.method:');
    expect(() => strictRequest({ methods: ['BREW'] })).toThrow('strictRequest.methods.0:');
    const app = Fastify();
    app.register(rampartCore, { strictRequest: { methods: [] } });
    await expect(app.ready()).rejects.toMatchObject({
      option: 'rampartCore.strictRequest.methods',
    });
    await app.close();
  });
});
