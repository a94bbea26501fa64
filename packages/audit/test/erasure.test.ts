import { describe, expect, it } from 'vitest';
import { makeTrail, STORES } from './helpers/trail.js';

const ALICE = {
  userId: 'alice-7f3a',
  ip: '198.51.100.23',
  userAgent: 'AliceBrowser/1.0 (unique-ua-marker)',
  email: 'alice.unique@example.org',
};

describe.each(STORES)('erasure on the %s store', (_name, available, makeHarness) => {
  it.skipIf(!available)(
    'personal fields are sealed at rest, readable through the trail',
    async () => {
      const harness = await makeHarness();
      try {
        const { trail } = makeTrail(harness.store);
        trail.record(
          {
            type: 'LOGIN_SUCCESS',
            severity: 'info',
            userId: ALICE.userId,
            ip: ALICE.ip,
            detail: { email: ALICE.email },
          },
          { userAgent: ALICE.userAgent, requestId: 'req-1' },
        );
        await trail.flush();
        const rows = await harness.dump();
        for (const value of Object.values(ALICE)) expect(rows).not.toContain(value);
        const { items } = await trail.query({ userId: ALICE.userId });
        expect(items).toHaveLength(1);
        expect(items[0]).toMatchObject({
          type: 'LOGIN_SUCCESS',
          actor: { userId: ALICE.userId, ip: ALICE.ip, userAgent: ALICE.userAgent },
          requestId: 'req-1',
          details: { email: ALICE.email },
        });
      } finally {
        await harness.cleanup();
      }
    },
  );

  it.skipIf(!available)(
    'purgeUser keeps the chain valid and leaves nothing of theirs readable',
    async () => {
      const harness = await makeHarness();
      try {
        const { trail } = makeTrail(harness.store);
        for (let i = 0; i < 5; i++) {
          trail.record(
            {
              type: 'LOGIN_FAILURE',
              severity: 'warning',
              userId: ALICE.userId,
              ip: ALICE.ip,
              detail: { email: ALICE.email },
            },
            { userAgent: ALICE.userAgent },
          );
          trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'bob', ip: '192.0.2.9' });
        }
        // Still queued when the erasure comes: written before the key goes, so erased with it.
        trail.record({ type: 'LOGOUT', severity: 'info', userId: ALICE.userId, ip: ALICE.ip });
        await trail.purgeUser(ALICE.userId);
        expect(await trail.verify()).toEqual({ valid: true, checked: 11 });

        const rows = await harness.dump();
        for (const value of Object.values(ALICE)) expect(rows).not.toContain(value);
        expect(await trail.query({ userId: ALICE.userId })).toEqual({
          items: [],
          nextCursor: null,
        });

        const { items } = await trail.query({ limit: 100 });
        const erased = items.filter((item) => item.erased);
        expect(erased).toHaveLength(6);
        for (const item of erased) {
          expect(item.actor).toEqual({});
          expect(JSON.stringify(item)).not.toContain(ALICE.email);
        }
        const bob = items.filter((item) => item.actor.userId === 'bob');
        expect(bob).toHaveLength(5);
        expect(bob[0]?.actor.ip).toBe('192.0.2.9');
      } finally {
        await harness.cleanup();
      }
    },
  );

  it.skipIf(!available)(
    'a stored user key the ring cannot open (another ring) never blocks the trail: the event is kept without who',
    async () => {
      const harness = await makeHarness();
      try {
        const first = makeTrail(harness.store);
        first.trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: ALICE.userId });
        await first.trail.flush();
        const errors: unknown[] = [];
        // Same chain key, another key ring: Alice's stored key cannot be opened.
        const second = makeTrail(harness.store, { onError: (error) => errors.push(error) });
        second.trail.record({
          type: 'LOGOUT',
          severity: 'info',
          userId: ALICE.userId,
          ip: ALICE.ip,
        });
        second.trail.record({ type: 'LOGOUT', severity: 'info', userId: 'bob' });
        await second.trail.flush();
        expect(errors).toHaveLength(1);
        expect(second.trail.stats().written).toBe(2);
        expect(await harness.dump()).not.toContain(ALICE.ip);
        const { items } = await second.trail.query({ type: 'LOGOUT' });
        expect(items.map((item) => item.details.personalFields ?? item.actor.userId)).toEqual([
          'bob',
          'unavailable',
        ]);
        expect(await second.trail.verify()).toMatchObject({ valid: true });
      } finally {
        await harness.cleanup();
      }
    },
  );
});
