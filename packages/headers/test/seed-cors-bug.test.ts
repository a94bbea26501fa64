import type { AddressInfo } from 'node:net';
import { problemErrorHandler } from '@rampart/core/express';
import { rawRequest } from '@rampart/test-utils';
import plainCors from 'cors';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { cors } from '../src/express.js';

const ALLOWED = ['https://app.example.com'];

/** The seed's CORS set-up, as it was: a callback that refuses a foreign origin with an error. */
const seedCors = plainCors({
  origin(origin, callback) {
    if (!origin || ALLOWED.includes(origin)) callback(null, true);
    else callback(new Error('Not allowed by CORS'));
  },
  credentials: true,
});

let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

async function serve(middleware: RequestHandler, withProblemHandler: boolean): Promise<number> {
  const app = express();
  app.use(middleware);
  app.get('/items', (_req, res) => {
    res.json({ items: [] });
  });
  if (withProblemHandler) app.use(problemErrorHandler({ log: () => {} }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return (server.address() as AddressInfo).port;
}

describe("the seed's CORS bug: a foreign origin answered with a 500", () => {
  it.each([false, true])(
    'reproduces on plain cors (core problem handler: %s)',
    async (withProblemHandler) => {
      const port = await serve(seedCors, withProblemHandler);
      const response = await rawRequest(port, {
        path: '/items',
        headers: { origin: 'https://evil.test' },
      });
      expect(response.status).toBe(500);
    },
  );

  it.each([false, true])(
    'is refused by ours: 200, no CORS headers (core problem handler: %s)',
    async (withProblemHandler) => {
      const port = await serve(cors({ origins: ALLOWED, credentials: true }), withProblemHandler);
      const response = await rawRequest(port, {
        path: '/items',
        headers: { origin: 'https://evil.test' },
      });
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      const allowed = await rawRequest(port, {
        path: '/items',
        headers: { origin: 'https://app.example.com' },
      });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    },
  );
});
