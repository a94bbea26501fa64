import type { AddressInfo } from 'node:net';
import { authenticate, rampartCore as expressCore, jsonBody } from '@rampart/core/express';
import { rawRequest } from '@rampart/test-utils';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { idempotent } from '../src/express.js';
import { createIdempotency, MemoryIdempotencyStore } from '../src/index.js';
import { testAuthenticator } from './helpers/apps.js';

const servers: Array<{ close(): void; closeAllConnections(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function listen(app: express.Express): Promise<number> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

function post(port: number, path: string, key: string | undefined) {
  const headers: Record<string, string> = { 'x-test-user': 'user-a' };
  if (key !== undefined) headers['idempotency-key'] = `"${key}"`;
  return rawRequest(port, { method: 'POST', path, headers });
}

/** An app whose `POST /items` answers 201 with the run count and whether `res.end` is its own. */
function appWith(before: express.RequestHandler[] = []): {
  app: express.Express;
  runs: () => number;
} {
  let runs = 0;
  const app = express();
  app.use(expressCore(), jsonBody());
  const idempotency = createIdempotency({
    store: new MemoryIdempotencyStore({ sweepIntervalMs: 0 }),
  });
  app.post(
    '/items',
    ...before,
    authenticate([testAuthenticator]),
    idempotent({ idempotency }),
    (_req, res) => {
      runs++;
      res.status(201).json({ run: runs, ownEnd: Object.hasOwn(res, 'end') });
    },
  );
  app.post('/plain', (_req, res) => {
    res.status(200).json({ plain: true });
  });
  return { app, runs: () => runs };
}

describe('the Express capture of responses', () => {
  it('keeps a response without replacing its write and end on the response itself', async () => {
    const { app, runs } = appWith();
    const port = await listen(app);
    const first = await post(port, '/items', 'k-1');
    expect(first.status).toBe(201);
    // Each property added to an Express response costs several µs: the capture must add none.
    expect(first.json()).toEqual({ run: 1, ownEnd: false });
    const retry = await post(port, '/items', 'k-1');
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(runs()).toBe(1);
  });

  it('leaves the responses it does not keep as they were, once the app prototype is wrapped', async () => {
    const { app } = appWith();
    const port = await listen(app);
    await post(port, '/items', 'k-2');
    const noKey = await post(port, '/items', undefined);
    expect(noKey.status).toBe(201);
    expect(noKey.headers['idempotency-replayed']).toBeUndefined();
    const plain = await post(port, '/plain', 'k-2');
    expect(plain.json()).toEqual({ plain: true });
  });

  it('still keeps the response when a middleware before it replaced res.end, as compression does', async () => {
    const ends: number[] = [];
    const wrapEnd: express.RequestHandler = (_req, res, next) => {
      const end = res.end;
      res.end = function endAndCount(this: express.Response, ...args: unknown[]) {
        ends.push(1);
        return (end as (...a: unknown[]) => express.Response).apply(this, args);
      } as express.Response['end'];
      next();
    };
    const { app, runs } = appWith([wrapEnd]);
    const port = await listen(app);
    const first = await post(port, '/items', 'k-3');
    expect(first.json()).toEqual({ run: 1, ownEnd: true });
    const retry = await post(port, '/items', 'k-3');
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(runs()).toBe(1);
    expect(ends).toHaveLength(2);
  });

  it('keeps the response of a route in a mounted app', async () => {
    const { app: inner, runs } = appWith();
    const outer = express();
    outer.use('/v1', inner);
    const port = await listen(outer);
    const first = await post(port, '/v1/items', 'k-4');
    expect(first.status).toBe(201);
    const retry = await post(port, '/v1/items', 'k-4');
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(runs()).toBe(1);
  });
});
