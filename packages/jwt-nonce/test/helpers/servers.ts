import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notFoundHandler, problemErrorHandler } from '@rampart/core/express';
import { rampartCore } from '@rampart/core/fastify';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { requireJwt } from '../../src/express.js';
import { fastifyJwtNonce } from '../../src/fastify.js';
import { accessTokenOf, type JwtNonce } from '../../src/index.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET `path` over a real socket; header values given as arrays are sent as repeated lines. */
export function get(
  port: number,
  path: string,
  headers: Record<string, string | string[]> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: headers as OutgoingHttpHeaders, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** An Express 5 app with `GET /me` behind `requireJwt`. */
export async function startExpress(
  tokens: JwtNonce,
): Promise<{ port: number; close(): Promise<void> }> {
  const app = express();
  app.get('/me', requireJwt(tokens), (req, res) => {
    res.json({
      sub: req.auth?.userId,
      jti: accessTokenOf(req.auth)?.jti,
      method: req.auth?.method,
    });
  });
  app.use(notFoundHandler());
  app.use(problemErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A Fastify 5 app with `GET /me` behind `app.requireJwt`. */
export async function buildFastify(tokens: JwtNonce): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyJwtNonce, { tokens });
  app.get('/me', { preHandler: app.requireJwt }, async (request) => ({
    sub: request.auth?.userId,
    jti: accessTokenOf(request.auth)?.jti,
    method: request.auth?.method,
  }));
  app.get('/open', async (request) => ({ auth: request.auth === undefined ? 'undefined' : 'set' }));
  await app.ready();
  return app;
}
