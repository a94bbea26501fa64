import { createAuthContext, createClientIpResolver, createFakeClock } from '@rampart/core';
import { rampartCore } from '@rampart/core/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyRateLimit } from '../src/fastify.js';
import { MemoryRateLimitStore } from '../src/stores/memory.js';
import { send } from './http.js';

/** Counting tests run on a frozen clock: a window edge cannot fall between two requests. */
const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));

async function build(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyRateLimit, {
    clock,
    policies: { minute: { algorithm: 'fixed-window', limit: 3, windowMs: 60_000 } },
  });
  app.get('/items/:id', async (request) => ({ remaining: request.rateLimit?.tightest?.remaining }));
  app.get('/health', { config: { rateLimit: false } }, async (request) => ({
    decision: request.rateLimit,
  }));
  app.post(
    '/login',
    {
      config: {
        rateLimit: {
          hook: 'preHandler',
          key: [
            'ip',
            (r) => String((r.body as { email?: unknown } | undefined)?.email ?? '').toLowerCase(),
          ],
          policies: { login: { algorithm: 'fixed-window', limit: 5, windowMs: 900_000 } },
        },
      },
    },
    async () => ({ ok: true }),
  );
  return app;
}

describe('Fastify adapter (inject)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  it('limits every route globally, keyed on the registered pattern, with the draft headers', async () => {
    const first = await app.inject({ method: 'GET', url: '/items/1' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ remaining: 2 });
    expect(first.headers['ratelimit-policy']).toBe('"minute";q=3;w=60');
    expect(first.headers.ratelimit).toMatch(/^"minute";r=2;t=\d+$/);
    await app.inject({ method: 'GET', url: '/items/2' });
    await app.inject({ method: 'GET', url: '/items/3?x=1' });
    const refused = await app.inject({ method: 'GET', url: '/items/4' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'ERR_RATE_LIMIT_EXCEEDED', policy: 'minute' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it("keys a route registered under a plugin's prefix on its whole pattern, per method", async () => {
    const prefixed = Fastify();
    await prefixed.register(fastifyRateLimit, {
      clock,
      policies: { minute: { algorithm: 'fixed-window', limit: 3, windowMs: 60_000 } },
    });
    await prefixed.register(
      async (api) => {
        api.get('/things/:id', async (request) => ({ scope: request.rateLimit?.key?.scope }));
      },
      { prefix: '/v1' },
    );
    const get = await prefixed.inject({ method: 'GET', url: '/v1/things/7' });
    expect(get.json()).toEqual({ scope: 'GET /v1/things/:id' });
    const head = await prefixed.inject({ method: 'HEAD', url: '/v1/things/7' });
    expect(head.headers.ratelimit).toMatch(/^"minute";r=2;t=\d+$/);
    await prefixed.close();
  });

  it('config.rateLimit: false exempts a route; request.rateLimit stays null', async () => {
    for (let i = 0; i < 5; i++) {
      const reply = await app.inject({ method: 'GET', url: '/health' });
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({ decision: null });
      expect(reply.headers.ratelimit).toBeUndefined();
    }
  });

  it('a per-route limit in preHandler keys on IP and the body email', async () => {
    for (let i = 0; i < 5; i++)
      expect(
        (await app.inject({ method: 'POST', url: '/login', payload: { email: 'A@x.io' } }))
          .statusCode,
      ).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/login', payload: { email: 'a@x.io' } }))
        .statusCode,
    ).toBe(429);
    expect(
      (await app.inject({ method: 'POST', url: '/login', payload: { email: 'b@x.io' } }))
        .statusCode,
    ).toBe(200);
  });
});

describe('Fastify adapter: several limiters on one route', () => {
  let app: FastifyInstance;
  const store = new MemoryRateLimitStore({ clock });
  beforeAll(async () => {
    app = Fastify();
    await app.register(rampartCore);
    await app.register(fastifyRateLimit, { clock, store });
    app.post(
      '/login',
      {
        config: {
          // Listed in the order they run: per IP before the body is read, then per (IP, email).
          rateLimit: [
            {
              hook: 'preHandler',
              key: ['ip', (r) => String((r.body as { email?: unknown }).email)],
              policies: { login: { algorithm: 'fixed-window', limit: 2, windowMs: 900_000 } },
            },
            {
              hook: 'onRequest',
              key: 'ip',
              policies: { 'login-ip': { algorithm: 'fixed-window', limit: 3, windowMs: 900_000 } },
            },
          ],
        },
      },
      async (request) => ({ policy: request.rateLimit?.tightest?.policy.name }),
    );
    await app.ready();
  });
  afterAll(() => app.close());

  const login = (email: string) =>
    app.inject({ method: 'POST', url: '/login', payload: { email } });

  it('checks each in turn: the first refusal answers, and the later limiter counts nothing', async () => {
    const first = await login('a@x.io');
    expect(first.statusCode).toBe(200);
    // An allowed request carries the decision of the last limiter checked, and the policies of
    // both in one list (several-limiters.test.ts has the rest).
    expect(first.json()).toEqual({ policy: 'login' });
    expect(first.headers['ratelimit-policy']).toBe('"login-ip";q=3;w=900,"login";q=2;w=900');
    expect((await login('a@x.io')).statusCode).toBe(200);
    const perEmail = await login('a@x.io');
    expect(perEmail.statusCode).toBe(429);
    expect(perEmail.json()).toMatchObject({ policy: 'login' });
    // The per-IP limit (3) is spent by those three; a new email is refused by it, before the
    // per-email limiter makes a counter for that email.
    const perIp = await login('b@x.io');
    expect(perIp.statusCode).toBe(429);
    expect(perIp.json()).toMatchObject({ policy: 'login-ip' });
    expect(perIp.headers['ratelimit-policy']).toBe('"login-ip";q=3;w=900');
    expect(store.size).toBe(2);
  });

  it('refuses an empty list, a bad item and a bad hook at start-up, naming the option', async () => {
    for (const [rateLimit, option] of [
      [[], '/x: config.rateLimit'],
      [[null], '/x: config.rateLimit[0]'],
      [
        [{ hook: 'onSend', policies: { one: { limit: 1, windowMs: 1000 } } }],
        '/x: config.rateLimit[0].hook',
      ],
      [[{ policies: {} }], '/x: config.rateLimit[0].policies'],
    ] as const) {
      const bad = Fastify();
      await bad.register(fastifyRateLimit, { store });
      // The plugin's onRoute hook builds the limiters as the route is added.
      expect(() =>
        bad.get('/x', { config: { rateLimit: rateLimit as never } }, async () => ({})),
      ).toThrow(expect.objectContaining({ option }));
      await bad.close();
    }
  });
});

describe('Fastify adapter (real listen)', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = await build();
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('rotating X-Forwarded-For from an untrusted peer shares one bucket', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await send(port, 'GET', `/items/${i}`, {
            'x-forwarded-for': `2001:db8::${i}, 198.51.100.${i}`,
          })
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});

describe('Fastify adapter: the client IP', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = Fastify();
    // rampartCore trusts the loopback proxy: request.clientIp is the X-Forwarded-For client.
    await app.register(rampartCore, { trustedProxies: ['loopback'] });
    const policies = { one: { algorithm: 'fixed-window' as const, limit: 1, windowMs: 60_000 } };
    await app.register(fastifyRateLimit, { clock, policies });
    app.get('/by-core', async () => ({ ok: true }));
    // A limiter with a resolver of its own trusts no proxy here, whatever rampartCore says.
    app.get(
      '/own-resolver',
      { config: { rateLimit: { policies, clientIp: createClientIpResolver() } } },
      async () => ({ ok: true }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  const status = async (path: string, client: string) =>
    (await send(port, 'GET', path, { 'x-forwarded-for': client })).status;

  it("keys on rampartCore's client IP when the limiter has no resolver", async () => {
    expect(await status('/by-core', '198.51.100.1')).toBe(200);
    expect(await status('/by-core', '198.51.100.2')).toBe(200);
    expect(await status('/by-core', '198.51.100.1')).toBe(429);
  });

  it("keys on the limiter's own clientIp option over request.clientIp", async () => {
    expect(await status('/own-resolver', '198.51.100.1')).toBe(200);
    // Another forwarded client, the same socket peer: the limiter's resolver trusts no proxy.
    expect(await status('/own-resolver', '198.51.100.2')).toBe(429);
  });
});

describe("Fastify adapter: key 'principal'", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    // An authenticator's part: the user named by a header becomes core's AuthContext.
    app.addHook('onRequest', async (request) => {
      const user = request.headers['x-user'];
      if (typeof user === 'string')
        request.auth = createAuthContext({ userId: user, method: 'api-key', credentialId: 'k1' });
    });
    await app.register(fastifyRateLimit, {
      clock,
      key: 'principal',
      hook: 'preHandler',
      policies: { two: { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 } },
    });
    app.get('/mine', async (request) => ({ identity: request.rateLimit?.key?.identity }));
  });
  afterAll(() => app.close());

  it("keys on request.auth's user by default: a bucket per user, the IP for a request without one", async () => {
    const as = (user?: string) =>
      app.inject({
        method: 'GET',
        url: '/mine',
        headers: user === undefined ? {} : { 'x-user': user },
      });
    expect((await as('alice')).json()).toEqual({ identity: 'user:alice' });
    expect((await as('alice')).statusCode).toBe(200);
    expect((await as('alice')).statusCode).toBe(429);
    expect((await as('bob')).statusCode).toBe(200);
    expect((await as()).json()).toEqual({ identity: '127.0.0.1' });
    expect((await as()).statusCode).toBe(200);
    expect((await as()).statusCode).toBe(429);
  });
});
