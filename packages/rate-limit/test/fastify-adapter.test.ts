import { rampartCore } from '@rampart/core/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyRateLimit } from '../src/fastify.js';
import { send } from './http.js';

async function build(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyRateLimit, {
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
