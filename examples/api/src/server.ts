import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createStrictRequestCheck,
  notFoundError,
  problemClientErrors,
  problemExpectations,
} from '@rampart/core';
import { sendProblem } from '@rampart/core/express';
import type { Request, Response } from 'express';
import { type AppContext, REQUEST_TIMEOUT_MS } from './context.js';
import { API_SECURITY_HEADERS } from './headers/security-layers.js';

/** A listening app, whichever framework serves it. */
export interface RunningServer {
  /** `http://HOST:PORT` with the port actually bound (never 0). */
  readonly url: string;
  /** Stops accepting connections, lets requests in flight finish, then resolves. */
  close(): Promise<void>;
}

/** Connections still open this long after `close()` are cut, so a shutdown cannot hang. */
const CLOSE_GRACE_MS = 5000;

/** `http://HOST:PORT`, bracketing an IPv6 literal. */
export function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Builds the app for `ctx.config.framework` and listens on its host and port. Only the chosen
 * framework is loaded, which keeps start-up short.
 */
export async function startServer(ctx: AppContext): Promise<RunningServer> {
  const { host, port } = ctx.config;
  if (ctx.config.framework === 'fastify') {
    const { buildFastifyApp } = await import('./fastify-app.js');
    const app = buildFastifyApp(ctx);
    await app.listen({ host, port });
    const bound = (app.server.address() as AddressInfo).port;
    return { url: formatUrl(host, bound), close: () => app.close() };
  }

  const { buildExpressApp } = await import('./express-app.js');
  const app = buildExpressApp(ctx);
  const strictCheck = createStrictRequestCheck();
  // Node's own answer to an HTTP/1.1 request without Host is an empty 400; off here, the
  // strictRequest() middleware refuses it as a problem (and so does the fallback below).
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    // Express's router skips every middleware for a target url.parse rejects (`GET http://[::1/x`)
    // and hands it to finalhandler, which sends HTML; this answers it as Fastify does.
    app(req as Request, res as Response, (error?: unknown) => {
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) res.setHeader(name, value);
      sendProblem(
        res as Response,
        error ??
          strictCheck(req.method ?? '', req.url ?? '/', req.rawHeaders, req.httpVersion) ??
          notFoundError(),
      );
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // Node's own answer to a 100 KB header is a bare 431 and a destroyed socket (often read as a
  // reset); this one is a complete problem+json, as Fastify's clientErrorHandler sends.
  server.on('clientError', problemClientErrors({ headers: API_SECURITY_HEADERS }));
  // Node's own answer to `Expect: foo` is an empty 417 (100-continue still goes to the app).
  server.on('checkExpectation', problemExpectations({ headers: API_SECURITY_HEADERS }));
  await listen(server, host, port);
  const bound = (server.address() as AddressInfo).port;
  return { url: formatUrl(host, bound), close: () => closeServer(server) };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    // Keep-alive connections with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
  });
}
