import type { AddressInfo } from 'node:net';
import type { Clock, NonceStore } from '@rampart/core';
import { jsonBody, problemErrorHandler } from '@rampart/core/express';
import { rampartCore } from '@rampart/core/fastify';
import express from 'express';
import Fastify from 'fastify';
import { requestSigning } from '../src/express.js';
import { fastifyRequestSigning, requestSigningPreHandler } from '../src/fastify.js';
import { createRequestVerifier, staticSigningSecrets } from '../src/index.js';
import { KEY_ID, SECRET } from './helpers.js';

export type Framework = 'express' | 'fastify';

export interface TestApp {
  port: number;
  close(): Promise<void>;
}

/**
 * The same signed API on either framework: a JSON route (POST and PUT), a raw-body route, and a
 * bodiless GET, all answering what the verifier saw.
 */
export async function startApp(
  framework: Framework,
  options: { nonceStore: NonceStore; clock: Clock },
): Promise<TestApp> {
  const verifier = createRequestVerifier({
    getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
    nonceStore: options.nonceStore,
    clock: options.clock,
    rfc9421: { origin: 'http://127.0.0.1' },
  });
  return framework === 'express' ? startExpress(verifier) : startFastify(verifier);
}

async function startExpress(verifier: ReturnType<typeof createRequestVerifier>): Promise<TestApp> {
  const app = express();
  const signed = requestSigning({ verifier });
  app.post('/raw', express.raw({ type: 'application/octet-stream' }), signed, (req, res) => {
    res.json({ keyId: req.signedRequest?.keyId, bytes: (req.body as Buffer).length });
  });
  app.use(jsonBody());
  const records = (req: express.Request, res: express.Response) => {
    res.status(201).json({
      keyId: req.signedRequest?.keyId,
      scheme: req.signedRequest?.scheme,
      data: req.body?.data,
    });
  };
  app.post('/api/v1/entities/:entityId/records', signed, records);
  app.put('/api/v1/entities/:entityId/records', signed, records);
  app.get('/api/v1/things', signed, (req, res) => {
    res.json({ keyId: req.signedRequest?.keyId });
  });
  app.use(problemErrorHandler({ log: () => {} }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startFastify(verifier: ReturnType<typeof createRequestVerifier>): Promise<TestApp> {
  const app = await buildFastify(verifier);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

/** The Fastify app, not listening: for `inject`. */
export async function buildFastify(verifier: ReturnType<typeof createRequestVerifier>) {
  const app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyRequestSigning, { verifier });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  app.post('/raw', { config: { requestSigning: true } }, async (request) => ({
    keyId: request.signedRequest?.keyId,
    bytes: (request.body as Buffer).length,
  }));
  const records = async (
    request: import('fastify').FastifyRequest,
    reply: import('fastify').FastifyReply,
  ) =>
    reply.code(201).send({
      keyId: request.signedRequest?.keyId,
      scheme: request.signedRequest?.scheme,
      data: (request.body as { data?: unknown } | undefined)?.data,
    });
  app.post('/api/v1/entities/:entityId/records', { config: { requestSigning: true } }, records);
  // The route-level preHandler, beside the plugin's route config.
  app.put(
    '/api/v1/entities/:entityId/records',
    { preHandler: requestSigningPreHandler({ verifier }) },
    records,
  );
  app.get('/api/v1/things', { config: { requestSigning: true } }, async (request) => ({
    keyId: request.signedRequest?.keyId,
  }));
  return app;
}
