/**
 * One server of the idempotency HTTP benchmark, run as its own process so it can be pinned to one
 * core: `node --import tsx src/idempotency/http-server.ts <variant>`. Prints the port it listens
 * on. Every variant answers `POST /items/:id` (a small JSON body) with 201 and a small JSON, behind
 * the same core middleware and the same stub authenticator; `-ours` adds the idempotency adapter
 * on a memory store, `-floor` only the work no implementation can skip (floor.ts).
 */
import { type Authenticator, createAuthContext } from '@rampart/core';
import { authenticate, rampartCore as expressCore, jsonBody } from '@rampart/core/express';
import { authenticate as fastifyAuthenticate, rampartCore } from '@rampart/core/fastify';
import express from 'express';
import Fastify from 'fastify';
import { expressFloor, fastifyFloorHooks } from './floor.js';

const variant = process.argv[2] ?? '';

/**
 * Another build of the package to serve (`BENCH_IDEMPOTENCY_DIST=/path/to/dist`), for an A/B of two
 * versions in one run; by default the workspace's.
 */
const dist = process.env.BENCH_IDEMPOTENCY_DIST;
const [{ createIdempotency, MemoryIdempotencyStore }, { idempotent }, { fastifyIdempotency }] =
  (await Promise.all(
    dist === undefined
      ? [
          import('@rampart/idempotency'),
          import('@rampart/idempotency/express'),
          import('@rampart/idempotency/fastify'),
        ]
      : [import(`${dist}/index.js`), import(`${dist}/express.js`), import(`${dist}/fastify.js`)],
  )) as [
    typeof import('@rampart/idempotency'),
    typeof import('@rampart/idempotency/express'),
    typeof import('@rampart/idempotency/fastify'),
  ];

const ROUTE = '/items/:id';
/** The floor's principal, as the adapters name the stub's user. */
const PRINCIPAL = 'user:bench-user';

/** Every request is the same user's: the cost measured is idempotency's, not a token check's. */
const AUTH = createAuthContext({ userId: 'bench-user', method: 'api-key', credentialId: 'bench' });
const stubAuthenticator: Authenticator = {
  name: 'bench',
  authenticate: () => Promise.resolve(AUTH),
};

function idempotency() {
  // Every first request adds a record: a 30 s retention keeps the store's steady state at
  // (req/s × 30 s) records, under maxEntries, as a day's would be in a server with the memory.
  // BENCH_IDEMPOTENCY_RETENTION_MS changes it, to see what the retained records cost (GC).
  return createIdempotency({
    store: new MemoryIdempotencyStore({ maxEntries: 2_000_000 }),
    retentionMs: Number(process.env.BENCH_IDEMPOTENCY_RETENTION_MS ?? 30_000),
  });
}

async function start(): Promise<number> {
  if (variant.startsWith('fastify')) {
    const app = Fastify({ logger: false });
    await app.register(rampartCore);
    const ours = variant === 'fastify-ours';
    if (ours) await app.register(fastifyIdempotency, { idempotency: idempotency() });
    const auth = fastifyAuthenticate([stubAuthenticator]);
    const floor =
      variant === 'fastify-floor' ? fastifyFloorHooks(app, ROUTE, PRINCIPAL) : undefined;
    app.post(
      ROUTE,
      floor === undefined
        ? { preHandler: [auth], config: { idempotency: ours } }
        : { preHandler: [auth, floor.preHandler], onSend: floor.onSend },
      async (request, reply) => reply.code(201).send({ id: (request.params as { id: string }).id }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.server.keepAliveTimeout = 0;
    return (app.server.address() as { port: number }).port;
  }
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(expressCore(), jsonBody());
  const auth = authenticate([stubAuthenticator]);
  const handler: express.RequestHandler = (req, res) => {
    res.status(201).json({ id: req.params.id });
  };
  if (variant === 'express-bare') app.post(ROUTE, auth, handler);
  else if (variant === 'express-ours')
    app.post(ROUTE, auth, idempotent({ idempotency: idempotency() }), handler);
  else if (variant === 'express-floor')
    app.post(ROUTE, auth, expressFloor(app, ROUTE, PRINCIPAL), handler);
  else throw new Error(`unknown variant ${variant}`);
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve((server.address() as { port: number }).port),
    );
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
