import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeClock } from '@rampart/core';
import { rampartCore } from '@rampart/core/fastify';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { parseList } from 'structured-headers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit } from '../src/express.js';
import { fastifyRateLimit } from '../src/fastify.js';
import type { RateLimitRequest } from '../src/request.js';
import { MemoryRateLimitStore } from '../src/stores/memory.js';
import { send } from './http.js';

/**
 * Two limiters on one route (per IP, then per (IP, email)), as a login has them: each
 * limiter's policies are items of ONE `RateLimit-Policy` and ONE `RateLimit` list
 * (draft-ietf-httpapi-ratelimit-headers), parsed here by an independent Structured Fields parser.
 */

/** Windows aligned to the frozen clock, so each refusal's Retry-After is its whole window. */
const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));
const PER_IP = { 'login-ip': { algorithm: 'fixed-window', limit: 3, windowMs: 600_000 } } as const;
const PER_EMAIL = { login: { algorithm: 'fixed-window', limit: 2, windowMs: 900_000 } } as const;
const emailOf = (body: unknown) => String((body as { email?: unknown } | undefined)?.email);
/** The test's client address, sent in a header of its own. */
const client = (request: RateLimitRequest) => String(request.headers['x-client']);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Record<string, unknown>;
}

/** A list field as `{ name: { param: value } }`, in list order. */
function items(answer: Answer, field: string): Array<[string, Record<string, unknown>]> {
  const value = answer.headers[field];
  expect(typeof value, `${field} is one field value`).toBe('string');
  return parseList(value as string).map(([name, params]) => {
    expect(typeof name, `an item of ${field} is a string`).toBe('string');
    return [name as string, Object.fromEntries(params)];
  });
}

function expectHeaders(answer: Answer, policy: unknown, limit: unknown): void {
  expect(items(answer, 'ratelimit-policy')).toEqual(policy);
  expect(items(answer, 'ratelimit')).toEqual(limit);
}

const legacy = (answer: Answer) => ({
  limit: answer.headers['x-ratelimit-limit'],
  remaining: answer.headers['x-ratelimit-remaining'],
  reset: answer.headers['x-ratelimit-reset'],
});

function behavesLikeOneRoute(login: (email: string, ip: string) => Promise<Answer>): void {
  it('lists both limiters’ policies in each field; the legacy fields are the tightest', async () => {
    const first = await login('a@x.io', '203.0.113.1');
    expect(first.status).toBe(200);
    expectHeaders(
      first,
      [
        ['login-ip', { q: 3, w: 600 }],
        ['login', { q: 2, w: 900 }],
      ],
      [
        ['login-ip', { r: 2, t: 600 }],
        ['login', { r: 1, t: 900 }],
      ],
    );
    expect(legacy(first)).toEqual({ limit: '2', remaining: '1', reset: '900' });
    expect(first.headers['retry-after']).toBeUndefined();
  });

  it('a 429 from the second limiter carries both lists and its own Retry-After', async () => {
    const ip = '203.0.113.2';
    for (let i = 0; i < 2; i++) expect((await login('a@x.io', ip)).status).toBe(200);
    const refused = await login('a@x.io', ip);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ policy: 'login', retryAfter: 900 });
    expect(refused.headers['retry-after']).toBe('900');
    expectHeaders(
      refused,
      [
        ['login-ip', { q: 3, w: 600 }],
        ['login', { q: 2, w: 900 }],
      ],
      [
        ['login-ip', { r: 0, t: 600 }],
        ['login', { r: 0, t: 900 }],
      ],
    );
    // Both have none left: the refusing limiter's, so X-RateLimit-Reset agrees with Retry-After.
    expect(legacy(refused)).toEqual({ limit: '2', remaining: '0', reset: '900' });
  });

  it('a 429 from the first limiter carries its own Retry-After; the second never ran', async () => {
    const ip = '203.0.113.3';
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io'])
      expect((await login(email, ip)).status).toBe(200);
    const refused = await login('d@x.io', ip);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ policy: 'login-ip', retryAfter: 600 });
    expect(refused.headers['retry-after']).toBe('600');
    expectHeaders(refused, [['login-ip', { q: 3, w: 600 }]], [['login-ip', { r: 0, t: 600 }]]);
    expect(legacy(refused)).toEqual({ limit: '3', remaining: '0', reset: '600' });
  });
}

describe('several limiters on one Express route (real listen)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const store = new MemoryRateLimitStore({ clock });
    const common = { clock, store, headers: { legacy: true } };
    const app = express();
    app.use(express.json());
    app.post(
      '/login',
      rateLimit({ ...common, key: client, policies: PER_IP }),
      rateLimit({ ...common, key: [client, (r) => emailOf(r.body)], policies: PER_EMAIL }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  behavesLikeOneRoute((email, ip) => send(port, 'POST', '/login', { 'x-client': ip }, { email }));
});

describe('several limiters on one Fastify route (inject)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await app.register(rampartCore);
    await app.register(fastifyRateLimit, {
      clock,
      store: new MemoryRateLimitStore({ clock }),
      headers: { legacy: true },
    });
    app.post(
      '/login',
      {
        config: {
          rateLimit: [
            { hook: 'preHandler', key: client, policies: PER_IP },
            { hook: 'preHandler', key: [client, (r) => emailOf(r.body)], policies: PER_EMAIL },
          ],
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
  });
  afterAll(() => app.close());

  behavesLikeOneRoute(async (email, ip) => {
    const reply = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'x-client': ip },
      payload: { email },
    });
    return { status: reply.statusCode, headers: reply.headers, body: reply.json() };
  });
});
