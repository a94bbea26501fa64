import { IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ClientIpResolver,
  createAuthContext,
  createClientIpResolver,
  createFakeClock,
  type SecurityEvent,
} from '@rampart/core';
import { problemErrorHandler, rampartCore } from '@rampart/core/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit, rateLimitRules } from '../src/express.js';
import { send } from './http.js';

/** Counting tests run on a frozen clock: a window edge cannot fall between two requests. */
const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));

describe('Express adapter (real listen)', () => {
  let server: Server;
  let port: number;
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json());
    app.use(
      rateLimitRules({
        clock,
        onEvent: (event) => events.push(event),
        rules: [
          {
            method: 'GET',
            route: '/ruled/:id',
            policies: { ruled: { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 } },
          },
        ],
      }),
    );
    app.get('/ruled/:id', (req, res) => {
      res.json({ policy: req.rateLimit?.policy, remaining: req.rateLimit?.tightest?.remaining });
    });
    app.post(
      '/login',
      rateLimit({
        clock,
        policies: { login: { algorithm: 'fixed-window', limit: 5, windowMs: 900_000 } },
        key: [
          'ip',
          (r) => String((r.body as { email?: unknown } | undefined)?.email ?? '').toLowerCase(),
        ],
      }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    app.get(
      '/items/:id',
      rateLimit({
        clock,
        headers: { legacy: true },
        policies: {
          burst: { algorithm: 'gcra', limit: 3, windowMs: 60_000 },
          daily: { limit: 100, windowMs: 86_400_000 },
        },
      }),
      (req, res) => {
        res.json({ outcome: req.rateLimit?.outcome });
      },
    );
    app.get(
      '/forward',
      rateLimit({
        clock,
        forwardErrors: true,
        policies: { one: { algorithm: 'fixed-window', limit: 1, windowMs: 60_000 } },
      }),
      (_req, res) => {
        res.json({});
      },
    );
    app.use(problemErrorHandler());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the draft fields and the legacy ones, counting down per matched route', async () => {
    const first = await send(port, 'GET', '/items/1');
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"burst";q=3;w=60,"daily";q=100;w=86400');
    expect(first.headers.ratelimit).toMatch(/^"burst";r=2;t=20,"daily";r=99;t=\d+$/);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    // Another id, case, trailing slash: same route pattern, same bucket.
    await send(port, 'GET', '/items/2');
    await send(port, 'GET', '/ITEMS/3/');
    const refused = await send(port, 'GET', '/items/4');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.body).toMatchObject({
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      policy: 'burst',
      status: 429,
    });
    expect(refused.headers['retry-after']).toBe('20');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('limits logins per IP and email: the 6th attempt is refused even for another spelling', async () => {
    for (let i = 0; i < 5; i++)
      expect((await send(port, 'POST', '/login', {}, { email: 'Ann@x.io' })).status).toBe(200);
    const sixth = await send(port, 'POST', '/login', {}, { email: 'ann@x.io' });
    expect(sixth.status).toBe(429);
    expect(sixth.headers['retry-after']).toBeDefined();
    expect((await send(port, 'POST', '/login', {}, { email: 'bob@x.io' })).status).toBe(200);
  });

  it('rotating X-Forwarded-For from an untrusted peer shares one bucket', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (
          await send(
            port,
            'POST',
            '/login',
            { 'x-forwarded-for': `198.51.100.${i}` },
            { email: 'xff@x.io' },
          )
        ).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });

  it('a rule table keys on the rule pattern and puts the decision on req.rateLimit', async () => {
    const ok = await send(port, 'GET', '/ruled/a');
    expect(ok.body).toEqual({ policy: 'ruled', remaining: 1 });
    expect((await send(port, 'GET', '/RULED/b/')).status).toBe(200);
    const refused = await send(port, 'GET', '/ruled/c');
    expect(refused.status).toBe(429);
    expect(events.some((event) => event.type === 'RATE_LIMIT_EXCEEDED')).toBe(true);
  });

  it('puts the decision on req.rateLimit as a plain property, leaving Express and Node alone', async () => {
    const app = express();
    app.get(
      '/mine',
      rateLimit({ clock, policies: { one: { limit: 5, windowMs: 60_000 } } }),
      (req, res) => {
        res.json({
          own: Object.hasOwn(req, 'rateLimit'),
          remaining: req.rateLimit?.tightest?.remaining,
        });
      },
    );
    const mine = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => mine.once('listening', resolve));
    try {
      const reply = await send((mine.address() as AddressInfo).port, 'GET', '/mine');
      expect(reply.body).toEqual({ own: true, remaining: 4 });
      expect(Object.hasOwn(app.request, 'rateLimit')).toBe(false);
      expect(Object.hasOwn(IncomingMessage.prototype, 'rateLimit')).toBe(false);
    } finally {
      await new Promise((resolve) => mine.close(resolve));
    }
  });

  it('forwardErrors hands the 429 to the error handler', async () => {
    await send(port, 'GET', '/forward');
    const refused = await send(port, 'GET', '/forward');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('ERR_RATE_LIMIT_EXCEEDED');
  });
});

describe('Express adapter: X-Forwarded-For and the client IP resolver', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
  const policies = { one: { algorithm: 'fixed-window' as const, limit: 1, windowMs: 60_000 } };

  async function serve(clientIp: ClientIpResolver): Promise<number> {
    const app = express();
    app.get('/r', rateLimit({ clock, policies, clientIp }), (_req, res) => {
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return (server.address() as AddressInfo).port;
  }

  const statusFor = async (port: number, client: string) =>
    (await send(port, 'GET', '/r', { 'x-forwarded-for': client })).status;

  it('keys on the client rampartCore() resolved when the limiter has no resolver of its own', async () => {
    const app = express();
    app.use(rampartCore({ trustedProxies: ['loopback'] }));
    app.get('/r', rateLimit({ clock, policies }), (_req, res) => {
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await statusFor(port, '198.51.100.1')).toBe(200);
    expect(await statusFor(port, '198.51.100.2')).toBe(200);
    expect(await statusFor(port, '198.51.100.1')).toBe(429);
  });

  it('keys on the forwarded client when the peer is a trusted proxy', async () => {
    const port = await serve(createClientIpResolver({ trustedProxies: ['loopback'] }));
    expect(await statusFor(port, '198.51.100.1')).toBe(200);
    expect(await statusFor(port, '198.51.100.2')).toBe(200);
    expect(await statusFor(port, '198.51.100.1')).toBe(429);
  });

  it('hands X-Forwarded-For to a resolver of your own, which may trust it', async () => {
    const seen: unknown[] = [];
    const port = await serve({
      resolve: (_peer, forwardedFor) => {
        seen.push(forwardedFor);
        return typeof forwardedFor === 'string' ? forwardedFor : '127.0.0.1';
      },
      key: (ip) => ip,
    });
    expect(await statusFor(port, '203.0.113.9')).toBe(200);
    expect(await statusFor(port, '203.0.113.8')).toBe(200);
    expect(seen).toEqual(['203.0.113.9', '203.0.113.8']);
  });
});

describe("Express adapter: key 'principal'", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const app = express();
    // An authenticator's part: the user named by a header becomes core's AuthContext.
    app.use((req, _res, next) => {
      const user = req.get('x-user');
      if (user !== undefined)
        req.auth = createAuthContext({
          userId: user,
          method: 'session',
          credentialId: `s-${user}`,
        });
      next();
    });
    app.get(
      '/mine',
      rateLimit({
        clock,
        key: 'principal',
        policies: { two: { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 } },
      }),
      (req, res) => {
        res.json({ identity: req.rateLimit?.key?.identity });
      },
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("keys on req.auth's user by default: a bucket per user, the IP for a request without one", async () => {
    const as = (user?: string) =>
      send(port, 'GET', '/mine', user === undefined ? {} : { 'x-user': user });
    expect((await as('alice')).body.identity).toBe('user:alice');
    expect((await as('alice')).status).toBe(200);
    expect((await as('alice')).status).toBe(429);
    // Same address, another user and no user at all: buckets of their own.
    expect((await as('bob')).status).toBe(200);
    expect((await as()).body.identity).toBe('127.0.0.1');
    expect((await as()).status).toBe(200);
    expect((await as()).status).toBe(429);
  });
});
