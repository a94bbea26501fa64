import type { AddressInfo } from 'node:net';
import { RampartError } from '@rampart/core';
import * as coreExpress from '@rampart/core/express';
import * as coreFastify from '@rampart/core/fastify';
import express, { type Request, type Response } from 'express';
import Fastify from 'fastify';
import * as ours from '../../src/express.js';
import * as oursFastify from '../../src/fastify.js';
import type { CorsOptions, SecurityHeadersOptions } from '../../src/index.js';

/** What a test needs of a listening app, whichever framework serves it. */
export interface TestServer {
  framework: 'express' | 'fastify';
  port: number;
  close(): Promise<void>;
}

export interface AppOptions {
  headers?: SecurityHeadersOptions;
  cors?: CorsOptions;
}

export const FORBIDDEN = new RampartError({
  status: 403,
  code: 'ERR_FORBIDDEN',
  title: 'Forbidden',
  detail: 'Not yours.',
});

/**
 * The routes both apps serve: JSON, a POST taking JSON, an unexpected failure (500), a refusal
 * (403) and an HTML page with the page preset. Around them core's full stack: strict request
 * checks, JSON parsing, problem+json errors and 404s.
 */
export async function startExpress(options: AppOptions = {}): Promise<TestServer> {
  const app = express();
  app.use(ours.securityHeaders(options.headers));
  if (options.cors) app.use(ours.cors(options.cors));
  app.use(coreExpress.strictRequest());
  app.use(coreExpress.rampartCore());
  app.use(coreExpress.jsonBody());
  app.get('/items/:id', (req: Request, res: Response) => {
    res.json({ id: req.params.id });
  });
  app.put('/items/:id', (req: Request, res: Response) => {
    res.json({ id: req.params.id, body: req.body });
  });
  app.post('/items', (req: Request, res: Response) => {
    res.status(201).json(req.body);
  });
  // Handlers that set their own Vary: the CORS layer's `Origin` must survive them.
  app.get('/negotiated', (_req: Request, res: Response) => {
    res.setHeader('Vary', 'Accept-Encoding');
    res.json({ negotiated: true });
  });
  app.get('/negotiated-head', (_req: Request, res: Response) => {
    res.writeHead(200, { 'content-type': 'application/json', vary: 'Accept-Language' });
    res.end('{}');
  });
  app.get('/boom', () => {
    throw new Error('database password is hunter2');
  });
  app.get('/forbidden', () => {
    throw FORBIDDEN;
  });
  app.get('/page', ours.securityHeaders({ preset: 'page' }), (_req: Request, res: Response) => {
    res.type('html').send(`<script nonce="${ours.cspNonce(res)}">1</script>`);
  });
  app.use(coreExpress.notFoundHandler());
  app.use(coreExpress.problemErrorHandler({ log: () => {} }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    framework: 'express',
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startFastify(options: AppOptions = {}): Promise<TestServer> {
  const app = Fastify({ logger: false });
  await app.register(oursFastify.fastifySecurityHeaders, options.headers ?? {});
  if (options.cors) await app.register(oursFastify.fastifyCors, options.cors);
  await app.register(coreFastify.rampartCore);
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.put('/items/:id', async (request) => ({
    id: (request.params as { id: string }).id,
    body: request.body,
  }));
  app.post('/items', async (request, reply) => reply.code(201).send(request.body));
  // Handlers that set their own Vary: the CORS layer's `Origin` must survive them.
  app.get('/negotiated', async (_request, reply) =>
    reply.header('Vary', 'Accept-Encoding').send({ negotiated: true }),
  );
  app.get('/negotiated-head', async (_request, reply) =>
    reply.headers({ 'content-type': 'application/json', vary: 'Accept-Language' }).send('{}'),
  );
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  app.get('/forbidden', async () => {
    throw FORBIDDEN;
  });
  app.get('/page', { config: { securityHeaders: { preset: 'page' } } }, async (_request, reply) =>
    reply.type('text/html').send(`<script nonce="${oursFastify.cspNonce(reply)}">1</script>`),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    framework: 'fastify',
    port: (app.server.address() as AddressInfo).port,
    close: () => app.close(),
  };
}

export const FRAMEWORKS = [
  ['express', startExpress],
  ['fastify', startFastify],
] as const;
