import { createServer, IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { rateLimit } from '../src/express.js';
import { send } from './http.js';

const policies = { minute: { algorithm: 'fixed-window' as const, limit: 10, windowMs: 60_000 } };
const servers: Server[] = [];

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('req.rateLimit on Express', () => {
  it('is readable and assignable downstream, per request, in an app and a mounted sub-app', async () => {
    const app = express();
    const sub = express();
    sub.get('/items/:id', rateLimit({ policies }), (req, res) => {
      res.json({ sub: req.rateLimit?.policies[0]?.remaining });
    });
    app.use('/v1', sub);
    app.get(
      '/items/:id',
      rateLimit({ policies }),
      (req: Request, _res: Response, next: NextFunction) => {
        const seen = req.rateLimit?.policies[0]?.remaining;
        // A later middleware may replace it, as with any property.
        req.rateLimit = { ...(req.rateLimit as NonNullable<Request['rateLimit']>), policy: 'mine' };
        (req as Request & { seen?: number }).seen = seen;
        next();
      },
      (req, res) => {
        res.json({
          seen: (req as Request & { seen?: number }).seen,
          policy: req.rateLimit?.policy,
          own: Object.hasOwn(req, 'rateLimit'),
        });
      },
    );
    app.get('/unlimited', (req, res) => {
      res.json({ present: req.rateLimit !== undefined });
    });
    const port = await listen(createServer(app));
    const first = (await send(port, 'GET', '/items/1')).body;
    expect(first).toEqual({ seen: 9, policy: 'mine', own: false });
    expect((await send(port, 'GET', '/items/1')).body).toEqual({
      seen: 8,
      policy: 'mine',
      own: false,
    });
    // Kept beside the request, through an accessor on the app's request prototype.
    expect(Object.hasOwn(app.request, 'rateLimit')).toBe(true);
    expect((await send(port, 'GET', '/v1/items/1')).body).toEqual({ sub: 9 });
    // A request the limiter never saw has no decision, though its prototype has the accessor.
    expect((await send(port, 'GET', '/unlimited')).body).toEqual({ present: false });
    expect(Object.hasOwn(IncomingMessage.prototype, 'rateLimit')).toBe(false);
  });

  it('lands in an own property an earlier middleware made, and the last limiter wins', async () => {
    const app = express();
    const stricter = { second: { algorithm: 'fixed-window' as const, limit: 3, windowMs: 60_000 } };
    app.get(
      '/items/:id',
      (req: Request, _res: Response, next: NextFunction) => {
        Object.defineProperty(req, 'rateLimit', { value: undefined, writable: true });
        next();
      },
      rateLimit({ policies }),
      rateLimit({ policies: stricter }),
      (req, res) => {
        res.json({ policy: req.rateLimit?.policy, own: Object.hasOwn(req, 'rateLimit') });
      },
    );
    const port = await listen(createServer(app));
    expect((await send(port, 'GET', '/items/1')).body).toEqual({ policy: 'second', own: true });
  });

  it('is an own property when the request is not an Express one, and Node is left alone', async () => {
    const middleware = rateLimit({ policies });
    const port = await listen(
      createServer((req, res) => {
        middleware(req as Request, res as unknown as Response, () => {
          const own = Object.getOwnPropertyDescriptor(req, 'rateLimit')?.value as
            | { allowed?: boolean }
            | undefined;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ own: own?.allowed }));
        });
      }),
    );
    const response = await send(port, 'GET', '/anything');
    expect(response.body).toEqual({ own: true });
    expect(Object.hasOwn(IncomingMessage.prototype, 'rateLimit')).toBe(false);
  });
});
