import {
  createAuthContext,
  createFakeClock,
  type SecurityEvent,
  StoreUnavailableError,
} from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { createIdempotency, type IdempotencyStore, MemoryIdempotencyStore } from '../src/index.js';
import { keyedRequest } from './helpers/keyed-request.js';

const auth = createAuthContext({ userId: 'user-7', method: 'jwt', credentialId: 'family-1' });
const KEY = 'secret-looking-key-0123456789';

const request = (body?: string) => keyedRequest({ key: KEY, body });

const created = { status: 201, headers: {}, body: Buffer.from('{}') };

describe('events', () => {
  it('reports a reused key and a request in flight with who and where, never the key', async () => {
    const events: SecurityEvent[] = [];
    const idempotency = createIdempotency({ onEvent: (event) => events.push(event) });
    await idempotency.begin(request(), auth);
    await expect(idempotency.begin(request(), auth)).rejects.toMatchObject({ status: 409 });
    await expect(idempotency.begin(request('{"a":2}'), auth)).rejects.toMatchObject({
      status: 422,
    });
    expect(events.map((event) => [event.type, event.code, event.reason])).toEqual([
      ['IDEMPOTENCY_CONFLICT', 'ERR_IDEMPOTENCY_IN_FLIGHT', 'in-flight'],
      ['IDEMPOTENCY_CONFLICT', 'ERR_IDEMPOTENCY_KEY_REUSED', 'fingerprint-mismatch'],
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        source: '@rampart/idempotency',
        userId: 'user-7',
        ip: '203.0.113.9',
        method: 'POST',
        route: '/orders/:id',
      });
      expect(JSON.stringify(event)).not.toContain(KEY);
    }
  });

  it('reports a completion refused because its lease ran out, and the retry runs again', async () => {
    const events: SecurityEvent[] = [];
    const clock = createFakeClock(Date.now());
    const idempotency = createIdempotency({
      clock,
      store: new MemoryIdempotencyStore({ clock, sweepIntervalMs: 0 }),
      leaseMs: 1000,
      onEvent: (event) => events.push(event),
    });
    const started = await idempotency.begin(request(), auth);
    clock.advance(1001);
    if (started.action !== 'proceed' || started.lease === undefined) throw new Error('no lease');
    await started.lease.complete(created);
    expect(events.map((event) => event.reason)).toEqual(['lease-expired']);
    expect((await idempotency.begin(request(), auth)).action).toBe('proceed');
  });

  it('reports a store that failed after the response was sent, without rejecting', async () => {
    const events: SecurityEvent[] = [];
    const memory = new MemoryIdempotencyStore();
    const failing: IdempotencyStore = {
      claim: (claim) => memory.claim(claim),
      complete: () => Promise.reject(new StoreUnavailableError('test-store')),
      release: () => Promise.reject(new StoreUnavailableError('test-store')),
      purgeUser: (userId) => memory.purgeUser(userId),
    };
    const idempotency = createIdempotency({
      store: failing,
      onEvent: (event) => events.push(event),
    });
    for (const status of [201, 503]) {
      const started = await idempotency.begin(
        { ...request(), headers: { 'idempotency-key': `"k-${status}"` } },
        auth,
      );
      if (started.action !== 'proceed' || started.lease === undefined) throw new Error('no lease');
      await expect(started.lease.complete({ ...created, status })).resolves.toBeUndefined();
    }
    expect(events.map((event) => [event.type, event.code])).toEqual([
      ['STORE_UNAVAILABLE', 'ERR_STORE_UNAVAILABLE'],
      ['STORE_UNAVAILABLE', 'ERR_STORE_UNAVAILABLE'],
    ]);
  });
});
