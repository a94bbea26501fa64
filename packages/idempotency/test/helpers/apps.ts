import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type Authenticator, createAuthContext } from '@rampart/core';
import {
  authenticate as expressAuthenticate,
  rampartCore as expressCore,
  jsonBody,
  notFoundHandler,
  problemErrorHandler,
} from '@rampart/core/express';
import { authenticate as fastifyAuthenticate, rampartCore } from '@rampart/core/fastify';
import express from 'express';
import Fastify from 'fastify';
import { idempotent } from '../../src/express.js';
import { fastifyIdempotency } from '../../src/fastify.js';
import type { Idempotency } from '../../src/index.js';

/** A user from `X-Test-User` (and a credential from `X-Test-Credential`): the principal. */
export const testAuthenticator: Authenticator = {
  name: 'test',
  authenticate(request) {
    const user = request.headers['x-test-user'];
    if (typeof user !== 'string') return undefined;
    const credential = request.headers['x-test-credential'];
    return Promise.resolve(
      createAuthContext({
        userId: user,
        method: 'api-key',
        credentialId: typeof credential === 'string' ? credential : 'credential-1',
      }),
    );
  },
};

/** What the routes did, and a gate a test may hold them at. */
export class Handlers {
  runs = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  /** Holds every handler until `open()`. */
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  open(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  async enter(): Promise<number> {
    this.runs++;
    const run = this.runs;
    await this.#gate;
    return run;
  }
}

export const BIG_BODY_BYTES = 4096;

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The routes both apps serve, behind the test authenticator and the idempotency adapter:
 * `POST /items/:id` (201, JSON, a Location and a Set-Cookie), `/required/:id` (key required),
 * `/fail` (500), `/stream` (a streamed body), `/big` (a body over the cap), `/hang` (never
 * answers: a crashed handler), `/teapot` (a lasting 4xx, kept).
 */
export async function startExpress(
  idempotency: Idempotency,
  handlers: Handlers,
): Promise<TestServer> {
  const app = express();
  app.use(expressCore());
  app.use(jsonBody());
  const auth = expressAuthenticate([testAuthenticator], { mode: 'optional' });
  const optional = idempotent({ idempotency });
  app.post('/items/:id', auth, optional, async (req, res) => {
    const run = await handlers.enter();
    res.setHeader('Set-Cookie', 'secret=1');
    res.location(`/items/${req.params.id}`);
    res.status(201).json({ run, id: req.params.id, body: req.body ?? null });
  });
  app.post(
    '/required/:id',
    auth,
    idempotent({ idempotency, required: true }),
    async (_req, res) => {
      res.status(201).json({ run: await handlers.enter() });
    },
  );
  app.post('/fail', auth, optional, async (_req, res) => {
    await handlers.enter();
    res.status(500).json({ error: 'boom' });
  });
  app.post('/stream', auth, optional, async (_req, res) => {
    const run = await handlers.enter();
    res.status(200).type('text/plain');
    Readable.from([`run ${run}\n`, 'second chunk\n', 'third chunk\n']).pipe(res);
  });
  app.post('/big', auth, optional, async (_req, res) => {
    await handlers.enter();
    res
      .status(200)
      .type('text/plain')
      .send('x'.repeat(BIG_BODY_BYTES + 1));
  });
  app.post('/hang', auth, optional, async () => {
    await handlers.enter();
  });
  app.post('/teapot', auth, optional, async (_req, res) => {
    res.status(418).json({ run: await handlers.enter() });
  });
  app.use(notFoundHandler());
  app.use(problemErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startFastify(
  idempotency: Idempotency,
  handlers: Handlers,
): Promise<TestServer> {
  const app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyIdempotency, { idempotency });
  const auth = fastifyAuthenticate([testAuthenticator], { mode: 'optional' });
  const optional = { preHandler: [auth], config: { idempotency: true } };
  app.post('/items/:id', optional, async (request, reply) => {
    const run = await handlers.enter();
    const { id } = request.params as { id: string };
    reply.header('Set-Cookie', 'secret=1').header('Location', `/items/${id}`);
    return reply.code(201).send({ run, id, body: request.body ?? null });
  });
  app.post(
    '/required/:id',
    { preHandler: [auth], config: { idempotency: { required: true } } },
    async (_request, reply) => reply.code(201).send({ run: await handlers.enter() }),
  );
  app.post('/fail', optional, async (_request, reply) => {
    await handlers.enter();
    return reply.code(500).send({ error: 'boom' });
  });
  app.post('/stream', optional, async (_request, reply) => {
    const run = await handlers.enter();
    reply.type('text/plain');
    return reply.send(Readable.from([`run ${run}\n`, 'second chunk\n', 'third chunk\n']));
  });
  app.post('/big', optional, async (_request, reply) => {
    await handlers.enter();
    return reply.type('text/plain').send('x'.repeat(BIG_BODY_BYTES + 1));
  });
  app.post('/hang', optional, async (_request, reply) => {
    await handlers.enter();
    return reply;
  });
  app.post('/teapot', optional, async (_request, reply) =>
    reply.code(418).send({ run: await handlers.enter() }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

export const FRAMEWORKS = [
  ['express', startExpress],
  ['fastify', startFastify],
] as const;
