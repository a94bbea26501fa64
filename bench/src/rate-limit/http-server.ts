/**
 * One server of the HTTP benchmark, run as its own process so it can be pinned to one core:
 * `node --import tsx src/rate-limit/http-server.ts <variant>`. Prints the port it listens on.
 * Every variant answers `GET /items/:id` with the same small JSON; limits are never reached.
 */
import fastifyRateLimitPeer from '@fastify/rate-limit';
import { rateLimit } from '@rampart/rate-limit/express';
import { fastifyRateLimit } from '@rampart/rate-limit/fastify';
import express from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import Fastify from 'fastify';

const NEVER = 1_000_000_000;
const HOUR_MS = 3_600_000;
const ours = {
  policies: { hour: { algorithm: 'fixed-window' as const, limit: NEVER, windowMs: HOUR_MS } },
};
const variant = process.argv[2] ?? '';

async function start(): Promise<number> {
  if (variant.startsWith('fastify')) {
    const app = Fastify({ logger: false });
    if (variant === 'fastify-peer')
      await app.register(fastifyRateLimitPeer, { max: NEVER, timeWindow: HOUR_MS });
    if (variant === 'fastify-ours') await app.register(fastifyRateLimit, ours);
    // The three X-RateLimit-* headers @fastify/rate-limit sends, without the two IETF fields.
    if (variant === 'fastify-ours-legacy')
      await app.register(fastifyRateLimit, { ...ours, headers: { standard: false, legacy: true } });
    app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.server.keepAliveTimeout = 0;
    return (app.server.address() as { port: number }).port;
  }
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const handler: express.RequestHandler = (req, res) => {
    res.json({ id: req.params.id });
  };
  if (variant === 'express-bare') app.get('/items/:id', handler);
  else if (variant === 'express-peer')
    app.get(
      '/items/:id',
      expressRateLimit({
        windowMs: HOUR_MS,
        limit: NEVER,
        // The set its README recommends, and the one ours sends by default: the two IETF fields.
        standardHeaders: 'draft-8',
        legacyHeaders: false,
      }),
      handler,
    );
  else if (variant === 'express-ours') app.get('/items/:id', rateLimit(ours), handler);
  // What any middleware costs Express here: one more layer that only calls next().
  else if (variant === 'express-noop') app.get('/items/:id', (_req, _res, next) => next(), handler);
  else throw new Error(`unknown variant ${variant}`);
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve((server.address() as { port: number }).port),
    );
    // A server idles while the other variants run their rounds: past Node's 5 s keep-alive
    // timeout it would close the load client's connections mid-run.
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

// A clean exit on a signal, so `--cpu-prof` can write its profile when profiling one variant.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
