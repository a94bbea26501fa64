import { createFakeClock, type FakeClock, type SecurityEvent } from '@rampart/core';
import { type RawResponse, rawRequest } from '@rampart/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdempotency, MemoryIdempotencyStore } from '../src/index.js';
import { BIG_BODY_BYTES, FRAMEWORKS, Handlers, type TestServer } from './helpers/apps.js';

const LEASE_MS = 10_000;

describe.each(FRAMEWORKS)('%s adapter', (_framework, start) => {
  let server: TestServer;
  let handlers: Handlers;
  let clock: FakeClock;
  let store: MemoryIdempotencyStore;
  let events: SecurityEvent[];

  beforeEach(async () => {
    clock = createFakeClock(Date.now());
    store = new MemoryIdempotencyStore({ clock, sweepIntervalMs: 0 });
    events = [];
    const idempotency = createIdempotency({
      store,
      clock,
      leaseMs: LEASE_MS,
      maxResponseBytes: BIG_BODY_BYTES,
      onEvent: (event) => events.push(event),
    });
    handlers = new Handlers();
    server = await start(idempotency, handlers);
  });
  afterEach(async () => {
    handlers.open();
    await server.close();
    store.close();
  });

  function post(
    path: string,
    options: { key?: string; user?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers['idempotency-key'] = options.key;
    headers['x-test-user'] = options.user ?? 'user-a';
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return rawRequest(server.port, { method: 'POST', path, headers, body: options.body });
  }

  it('runs the first request and replays its response to a retry, marked, without running again', async () => {
    const body = '{"data":{"amount":10}}';
    const first = await post('/items/1', { key: '"key-1"', body });
    expect(first.status).toBe(201);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    // A signed retry carries a new nonce and signature: the same request all the same.
    const retry = await post('/items/1', {
      key: '"key-1"',
      body,
      headers: { 'x-nonce': 'another', 'x-signature': 'another' },
    });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.headers.location).toBe('/items/1');
    expect(retry.headers['set-cookie']).toBeUndefined();
    expect(handlers.runs).toBe(1);
  });

  it('answers 422 ERR_IDEMPOTENCY_KEY_REUSED to the same key with another body, route or target', async () => {
    await post('/items/1', { key: '"key-2"', body: '{"data":{"amount":10}}' });
    for (const [path, body] of [
      ['/items/1', '{"data":{"amount":11}}'],
      ['/items/1', '{"data": {"amount":10}}'],
      ['/items/2', '{"data":{"amount":10}}'],
      ['/teapot', '{"data":{"amount":10}}'],
    ] as const) {
      const reused = await post(path, { key: '"key-2"', body });
      expect(reused.status).toBe(422);
      expect(reused.headers['content-type']).toBe('application/problem+json');
      expect(reused.json().code).toBe('ERR_IDEMPOTENCY_KEY_REUSED');
    }
    expect(handlers.runs).toBe(1);
    expect(events.filter((event) => event.code === 'ERR_IDEMPOTENCY_KEY_REUSED')).toHaveLength(4);
  });

  it('answers 409 ERR_IDEMPOTENCY_IN_FLIGHT with Retry-After while the first runs', async () => {
    handlers.hold();
    const first = post('/items/1', { key: '"key-3"' });
    await vi_waitFor(() => handlers.runs === 1);
    const retry = await post('/items/1', { key: '"key-3"' });
    expect(retry.status).toBe(409);
    expect(retry.json().code).toBe('ERR_IDEMPOTENCY_IN_FLIGHT');
    // The first request usually finishes long before its lease runs out: retry within a second.
    expect(retry.headers['retry-after']).toBe('1');
    handlers.open();
    expect((await first).status).toBe(201);
  });

  it.each([
    ['a bare token', 'key-4'],
    ['an empty string', '""'],
    ['a key over 255 characters', `"${'k'.repeat(256)}"`],
    ['a space inside', '"a b"'],
    ['parameters', '"key";a=1'],
    ['a stray quote', '"a"b"'],
    ['a list', '"a", "b"'],
  ])('answers 400 ERR_IDEMPOTENCY_KEY_INVALID to %s, running nothing', async (_name, key) => {
    const refused = await post('/items/1', { key });
    expect(refused.status).toBe(400);
    expect(refused.json().code).toBe('ERR_IDEMPOTENCY_KEY_INVALID');
    expect(handlers.runs).toBe(0);
  });

  it('accepts a 255-character key with escapes', async () => {
    const key = `"${'k'.repeat(253)}\\"\\\\"`;
    expect((await post('/items/1', { key })).status).toBe(201);
    expect((await post('/items/1', { key })).headers['idempotency-replayed']).toBe('true');
  });

  it('answers 400 ERR_IDEMPOTENCY_KEY_MISSING on a route that requires the key', async () => {
    const refused = await post('/required/1');
    expect(refused.status).toBe(400);
    expect(refused.json().code).toBe('ERR_IDEMPOTENCY_KEY_MISSING');
    expect((await post('/required/1', { key: '"key-5"' })).status).toBe(201);
    expect(handlers.runs).toBe(1);
  });

  it('runs every request without a key on a route where it is optional, claiming nothing', async () => {
    await post('/items/1');
    await post('/items/1');
    expect(handlers.runs).toBe(2);
    expect(store.size).toBe(0);
  });

  it('answers 400 ERR_IDEMPOTENCY_KEY_INVALID to the header sent twice, even with one value, running nothing', async () => {
    const refused = await rawRequest(server.port, {
      method: 'POST',
      path: '/items/1',
      headers: { 'idempotency-key': ['"key-1"', '"key-1"'], 'x-test-user': 'user-a' },
    });
    expect(refused.status).toBe(400);
    expect(refused.json().code).toBe('ERR_IDEMPOTENCY_KEY_INVALID');
    expect(handlers.runs).toBe(0);
    expect(store.size).toBe(0);
  });

  it('answers 401 to a key without an authenticated principal', async () => {
    const refused = await rawRequest(server.port, {
      method: 'POST',
      path: '/items/1',
      headers: { 'idempotency-key': '"key-6"' },
    });
    expect(refused.status).toBe(401);
    expect(handlers.runs).toBe(0);
  });

  it('keeps keys per principal: the same key from two users runs twice', async () => {
    const a = await post('/items/1', { key: '"shared"', user: 'user-a' });
    const b = await post('/items/1', { key: '"shared"', user: 'user-b' });
    expect(a.json().run).toBe(1);
    expect(b.json().run).toBe(2);
    expect(b.headers['idempotency-replayed']).toBeUndefined();
  });

  it('does not keep a 5xx: the retry runs again', async () => {
    expect((await post('/fail', { key: '"key-7"' })).status).toBe(500);
    expect((await post('/fail', { key: '"key-7"' })).status).toBe(500);
    expect(handlers.runs).toBe(2);
  });

  it('keeps a lasting 4xx and replays it', async () => {
    const first = await post('/teapot', { key: '"key-8"' });
    const retry = await post('/teapot', { key: '"key-8"' });
    expect(first.status).toBe(418);
    expect(retry.status).toBe(418);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(handlers.runs).toBe(1);
  });

  it('captures a streamed response and replays it whole', async () => {
    const first = await post('/stream', { key: '"key-9"' });
    expect(first.text).toBe('run 1\nsecond chunk\nthird chunk\n');
    const retry = await post('/stream', { key: '"key-9"' });
    expect(retry.text).toBe(first.text);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(handlers.runs).toBe(1);
  });

  it('sends a response over the cap, keeps none of it, and never runs the retry (409 not kept)', async () => {
    const first = await post('/big', { key: '"key-10"' });
    expect(first.text).toHaveLength(BIG_BODY_BYTES + 1);
    const retry = await post('/big', { key: '"key-10"' });
    expect(retry.status).toBe(409);
    expect(retry.json().code).toBe('ERR_IDEMPOTENCY_RESPONSE_NOT_KEPT');
    expect(retry.headers['retry-after']).toBeUndefined();
    expect(handlers.runs).toBe(1);
  });

  it('frees the key of a handler that never answered once its lease runs out', async () => {
    const hung = post('/hang', { key: '"key-11"' }).catch(() => undefined);
    await vi_waitFor(() => handlers.runs === 1);
    expect((await post('/hang', { key: '"key-11"' })).status).toBe(409);
    clock.advance(LEASE_MS + 1);
    const retry = post('/hang', { key: '"key-11"' }).catch(() => undefined);
    await vi_waitFor(() => handlers.runs === 2);
    void hung;
    void retry;
  });

  it('lets 50 concurrent identical requests run the handler once: one 201, the rest 409 or the replayed 201', async () => {
    handlers.hold();
    const body = '{"data":{"n":1}}';
    const pending = Array.from({ length: 50 }, () => post('/items/1', { key: '"race"', body }));
    await vi_waitFor(() => handlers.runs === 1);
    // Let some of the 50 arrive after the first completed, to be replays.
    setTimeout(() => handlers.open(), 5);
    const answers = await Promise.all(pending);
    expect(handlers.runs).toBe(1);
    const created = answers.filter((a) => a.status === 201 && !a.headers['idempotency-replayed']);
    expect(created).toHaveLength(1);
    for (const answer of answers) {
      if (answer.status === 201) expect(answer.text).toBe(created[0]?.text);
      else expect(answer.json().code).toBe('ERR_IDEMPOTENCY_IN_FLIGHT');
    }
  });
});

/** Polls `condition` on the event loop until it holds (a real server answers in its own time). */
async function vi_waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('condition never held');
}
