/**
 * One server of the sessions HTTP benchmark with `@rampart/sessions` (or none), run as its own
 * process so it can be pinned to one core: `node --import tsx src/sessions/http-server.ts
 * <variant>`. It signs one user in through its own `POST /login`, then prints
 * `port <port> cookie <name=value>`. Every variant answers `GET /items/:id` with the same small
 * JSON naming the session's user. The peers (express-session, @fastify/session) are in
 * peer-server.mjs: their `request.session` declarations and ours cannot share one typecheck.
 */
import { toSecurityRequest as expressRequest } from '@rampart/core/express';
import { toSecurityRequest as fastifyRequest } from '@rampart/core/fastify';
import { createSessions, MemorySessionStore } from '@rampart/sessions';
import { sessionMiddleware } from '@rampart/sessions/express';
import { fastifySessions } from '@rampart/sessions/fastify';
import express from 'express';
import Fastify from 'fastify';
import { announce } from './announce.js';

const variant = process.argv[2] ?? '';
const USER = 'bench-user';
const sessions = createSessions({ store: new MemorySessionStore() });

async function start(): Promise<number> {
  if (variant.startsWith('fastify')) {
    const app = Fastify({ logger: false });
    await app.register(fastifySessions, { sessions });
    app.post('/login', async (request, reply) => {
      const issued = await sessions.create(USER, fastifyRequest(request));
      return reply.header('set-cookie', issued.setCookie).send({ ok: true });
    });
    if (variant === 'fastify-ours') {
      app.get('/items/:id', { preHandler: app.requireSession }, async (request) => ({
        id: (request.params as { id: string }).id,
        user: request.session?.userId,
      }));
    } else if (variant === 'fastify-bare') {
      app.get('/items/:id', async (request) => ({
        id: (request.params as { id: string }).id,
        user: USER,
      }));
    } else throw new Error(`unknown variant ${variant}`);
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.server.keepAliveTimeout = 0;
    return (app.server.address() as { port: number }).port;
  }
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.post('/login', async (req, res) => {
    const issued = await sessions.create(USER, expressRequest(req));
    res.setHeader('Set-Cookie', issued.setCookie).json({ ok: true });
  });
  if (variant === 'express-ours') {
    app.get('/items/:id', sessionMiddleware(sessions), (req, res) => {
      res.json({ id: req.params.id, user: req.session?.userId });
    });
  } else if (variant === 'express-bare') {
    app.get('/items/:id', (req, res) => {
      res.json({ id: req.params.id, user: USER });
    });
  } else throw new Error(`unknown variant ${variant}`);
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve((server.address() as { port: number }).port),
    );
    // A server idles while the other variants run: past Node's 5 s keep-alive timeout it would
    // close the load client's connections mid-run.
    server.keepAliveTimeout = 0;
  });
}

start().then(announce, (error: unknown) => {
  console.error(error);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
