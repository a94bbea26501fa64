/**
 * The peers of the sessions HTTP benchmark: express-session with its MemoryStore and
 * @fastify/session (with @fastify/cookie) with its default memory store, on the same route as
 * http-server.ts, configured as their READMEs recommend (`resave: false`,
 * `saveUninitialized: false`). JavaScript, not TypeScript: both declare `request.session`, as
 * @rampart/sessions does, and the three declarations cannot share one typecheck.
 * `node --import tsx src/sessions/peer-server.mjs <variant>` prints `port <port> cookie <name=value>`.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import express from 'express';
import session from 'express-session';
import Fastify from 'fastify';
import { announce } from './announce.ts';

const variant = process.argv[2] ?? '';
const USER = 'bench-user';
const SECRET = 'a-bench-secret-of-at-least-32-characters-long';

async function start() {
  if (variant === 'fastify-peer') {
    const app = Fastify({ logger: false });
    await app.register(fastifyCookie);
    await app.register(fastifySession, {
      secret: SECRET,
      saveUninitialized: false,
      cookie: { secure: false },
    });
    app.post('/login', async (request) => {
      request.session.set('userId', USER);
      return { ok: true };
    });
    app.get('/items/:id', async (request, reply) => {
      const user = request.session.get('userId');
      if (user === undefined) return reply.code(401).send({ error: 'no session' });
      return { id: request.params.id, user };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.server.keepAliveTimeout = 0;
    return app.server.address().port;
  }
  if (variant !== 'express-peer') throw new Error(`unknown variant ${variant}`);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(session({ secret: SECRET, resave: false, saveUninitialized: false }));
  app.post('/login', (req, res) => {
    req.session.userId = USER;
    res.json({ ok: true });
  });
  app.get('/items/:id', (req, res) => {
    if (req.session.userId === undefined) {
      res.status(401).json({ error: 'no session' });
      return;
    }
    res.json({ id: req.params.id, user: req.session.userId });
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port));
    server.keepAliveTimeout = 0;
  });
}

start().then(announce, (error) => {
  console.error(error);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
