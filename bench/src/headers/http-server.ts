/**
 * One server of the headers benchmark, run as its own process so it can be pinned to one core:
 * `node --import tsx src/headers/http-server.ts <variant>`. Prints the port it listens on.
 * Every variant answers `GET /items/:id` with the same small JSON.
 */
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import { cors, securityHeaders } from '@rampart/headers/express';
import { fastifyCors, fastifySecurityHeaders } from '@rampart/headers/fastify';
import express from 'express';
import Fastify from 'fastify';
import helmet from 'helmet';
import { API_AS_HELMET, BESIDE_HELMET } from './peer-config.js';

const ORIGINS = ['https://app.example.com'];
const variant = process.argv[2] ?? '';

async function start(): Promise<number> {
  if (variant.startsWith('fastify')) {
    const app = Fastify({ logger: false });
    if (variant === 'fastify-peer')
      // @fastify/helmet declares its own copy of helmet's option types: same shape, other names.
      await app.register(fastifyHelmet, API_AS_HELMET as unknown as FastifyHelmetOptions);
    if (variant === 'fastify-peer')
      app.addHook('onRequest', (_request, reply, done) => {
        for (const [name, value] of BESIDE_HELMET) reply.header(name, value);
        done();
      });
    if (variant === 'fastify-ours' || variant === 'fastify-ours-cors')
      await app.register(fastifySecurityHeaders);
    if (variant === 'fastify-ours-cors')
      await app.register(fastifyCors, { origins: ORIGINS, credentials: true });
    app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.server.keepAliveTimeout = 0;
    return (app.server.address() as { port: number }).port;
  }
  const app = express();
  app.disable('etag');
  if (variant === 'express-bare') app.disable('x-powered-by');
  else if (variant === 'express-peer')
    app.use(helmet(API_AS_HELMET), (_req, res, next) => {
      for (const [name, value] of BESIDE_HELMET) res.setHeader(name, value);
      next();
    });
  else if (variant === 'express-ours') app.use(securityHeaders());
  else if (variant === 'express-ours-cors')
    app.use(securityHeaders(), cors({ origins: ORIGINS, credentials: true }));
  else throw new Error(`unknown variant ${variant}`);
  app.get('/items/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve((server.address() as { port: number }).port),
    );
    // Idle servers must not close the load client's connections between their rounds.
    server.keepAliveTimeout = 0;
  });
}

start().then(
  (port) => console.log(`port ${port}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
