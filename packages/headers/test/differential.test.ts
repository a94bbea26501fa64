import type { AddressInfo } from 'node:net';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import { rawRequest } from '@rampart/test-utils';
import express, { type RequestHandler } from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { afterEach, describe, expect, it } from 'vitest';
import { securityHeaders } from '../src/express.js';
import { fastifySecurityHeaders } from '../src/fastify.js';

/**
 * The api preset written out as helmet options by hand, independently of the source: what
 * helmet and @fastify/helmet send with these must be what our adapters send, plus the two
 * headers helmet does not know (Permissions-Policy, Cache-Control).
 */
const API_AS_HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  xFrameOptions: { action: 'deny' },
  xXssProtection: false,
};

const TRANSPORT = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'content-type',
  'etag',
  'transfer-encoding',
]);
const OURS_ONLY = new Set(['permissions-policy', 'cache-control']);

/** The security headers of an answer: transport headers dropped, the CSP's spacing ignored. */
function securityPart(headers: Record<string, string | string[] | undefined>, drop: Set<string>) {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (TRANSPORT.has(name) || drop.has(name)) continue;
    result[name] = name === 'content-security-policy' ? String(value).replaceAll('; ', ';') : value;
  }
  return result;
}

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

async function expressWith(middleware: RequestHandler): Promise<number> {
  const app = express();
  app.use(middleware);
  app.get('/x', (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function fastifyWith(setup: (app: FastifyInstance) => Promise<void>): Promise<number> {
  const app = Fastify();
  await setup(app);
  app.get('/x', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => app.close());
  return (app.server.address() as AddressInfo).port;
}

describe('the api preset is helmet with the preset options, on both frameworks', () => {
  it('Express: the same headers as helmet()', async () => {
    const theirs = await rawRequest(await expressWith(helmet(API_AS_HELMET)), { path: '/x' });
    const ours = await rawRequest(await expressWith(securityHeaders()), { path: '/x' });
    expect(securityPart(ours.headers, OURS_ONLY)).toEqual(securityPart(theirs.headers, new Set()));
    expect(ours.headers['x-powered-by']).toBeUndefined();
    expect(theirs.headers['x-powered-by']).toBeUndefined();
  });

  it('Fastify: the same headers as @fastify/helmet', async () => {
    const theirs = await rawRequest(
      await fastifyWith(async (app) => {
        // @fastify/helmet declares its own copy of helmet's option types: same shape, other names.
        await app.register(fastifyHelmet, API_AS_HELMET as unknown as FastifyHelmetOptions);
      }),
      { path: '/x' },
    );
    const ours = await rawRequest(
      await fastifyWith(async (app) => {
        await app.register(fastifySecurityHeaders);
      }),
      { path: '/x' },
    );
    expect(securityPart(ours.headers, OURS_ONLY)).toEqual(securityPart(theirs.headers, new Set()));
  });
});
