import { createFakeClock, type SecurityEvent } from '@rampart/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessions, type SessionStore, type Sessions } from '../src/index.js';
import { browserRequest, cookieOf } from './helpers/requests.js';
import { BACKENDS, type StoresUnderTest } from './helpers/stores.js';

const MINUTE = 60_000;

/** Counts the touches a store reports: each is one write. */
function countingTouches(store: SessionStore) {
  const counter = { touches: 0, reads: 0 };
  const counted: SessionStore = {
    create: (...args) => store.create(...args),
    authenticate: async (...args) => {
      const lookup = await store.authenticate(...args);
      counter.reads++;
      if (lookup.status === 'active' && lookup.touched) counter.touches++;
      return lookup;
    },
    record: (...args) => store.record(...args),
    replace: (...args) => store.replace(...args),
    list: (...args) => store.list(...args),
    revoke: (...args) => store.revoke(...args),
    revokeOthers: (...args) => store.revokeOthers(...args),
    revokeAllForUser: (...args) => store.revokeAllForUser(...args),
    purgeUser: (...args) => store.purgeUser(...args),
  };
  return { counted, counter };
}

async function refusal(
  promise: Promise<unknown> | undefined,
): Promise<{ status?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; code: string };
  }
  return {};
}

for (const [name, available, open] of BACKENDS) {
  describe.skipIf(!available)(`lifetimes on ${name}`, () => {
    let stores: StoresUnderTest;
    let clock: ReturnType<typeof createFakeClock>;
    let events: SecurityEvent[];
    let sessions: Sessions;
    let counter: { touches: number; reads: number };
    beforeEach(async () => {
      stores = await open();
      clock = createFakeClock(Date.now());
      events = [];
      const counting = countingTouches(stores.sessions);
      counter = counting.counter;
      sessions = createSessions({
        store: counting.counted,
        clock,
        idleTimeoutSeconds: 1800,
        absoluteTimeoutSeconds: 43_200,
        touchIntervalSeconds: 60,
        onEvent: (event) => events.push(event),
      });
    });
    afterEach(async () => stores.cleanup());

    const signIn = async () => {
      const issued = await sessions.create('user-1', browserRequest());
      return { issued, request: browserRequest({ cookie: cookieOf(issued.setCookie) }) };
    };

    it('hands out a __Host- cookie with the attributes of the issue and the absolute timeout as Max-Age', async () => {
      const { issued } = await signIn();
      expect(issued.setCookie).toMatch(
        /^__Host-sid=[A-Za-z0-9_-]{22}\.[0-9A-Za-z]{49}; Path=\/; Max-Age=43200; Secure; HttpOnly; SameSite=Lax$/,
      );
      expect(issued.session.id).not.toContain(issued.token);
      expect(events.map((event) => event.type)).toEqual(['SESSION_CREATED']);
      expect(JSON.stringify(events)).not.toContain(issued.token);
    });

    it('idle timeout: alive a millisecond before, ERR_SESSION_EXPIRED at the edge', async () => {
      const { request } = await signIn();
      clock.advance(30 * MINUTE - 1);
      await expect(sessions.authenticate(request)).resolves.toMatchObject({ userId: 'user-1' });
      // That request refreshed the idle clock (the last refresh was 30 minutes ago).
      clock.advance(30 * MINUTE - 1);
      await expect(sessions.authenticate(request)).resolves.toMatchObject({ userId: 'user-1' });
      clock.advance(30 * MINUTE);
      expect(await refusal(sessions.authenticate(request))).toMatchObject({
        status: 401,
        code: 'ERR_SESSION_EXPIRED',
        timeout: 'idle',
      });
    });

    it('absolute timeout edge, to the millisecond, whatever the activity', async () => {
      const { issued, request } = await signIn();
      const { expiresAt } = issued.session;
      while (clock.now() + 20 * MINUTE < expiresAt) {
        clock.advance(20 * MINUTE);
        await sessions.authenticate(request);
      }
      clock.set(expiresAt - 1);
      await expect(sessions.authenticate(request)).resolves.toMatchObject({ expiresAt });
      clock.set(expiresAt);
      expect(await refusal(sessions.authenticate(request))).toMatchObject({
        code: 'ERR_SESSION_EXPIRED',
        timeout: 'absolute',
      });
    });

    it('an unknown or revoked session is ERR_SESSION_INVALID, not expired', async () => {
      const { issued, request } = await signIn();
      await sessions.revoke('user-1', issued.session.id);
      expect(await refusal(sessions.authenticate(request))).toMatchObject({
        code: 'ERR_SESSION_INVALID',
      });
      const forged = browserRequest({ cookie: `__Host-sid=${'A'.repeat(22)}.${'0'.repeat(49)}` });
      expect(await refusal(sessions.authenticate(forged))).toMatchObject({
        code: 'ERR_SESSION_INVALID',
      });
    });

    it('sliding refresh writes at most once per touch interval however many requests come', async () => {
      const { request } = await signIn();
      for (let second = 0; second < 300; second++) {
        await sessions.authenticate(request);
        await sessions.authenticate(request);
        clock.advance(1000);
      }
      // 600 reads over 5 minutes: one write at each full minute since the sign-in, no more.
      expect(counter.reads).toBe(600);
      expect(counter.touches).toBe(4);
    });

    it('rotation kills the old token at once and keeps the sign-in time and absolute timeout', async () => {
      const { issued, request } = await signIn();
      clock.advance(MINUTE);
      const session = await sessions.authenticate(request);
      const rotated = await sessions.rotate(session!, request, { mfaAt: clock.now() });
      expect(rotated.token).not.toBe(issued.token);
      expect(await refusal(sessions.authenticate(request))).toMatchObject({
        code: 'ERR_SESSION_INVALID',
      });
      const next = await sessions.authenticate(
        browserRequest({ cookie: cookieOf(rotated.setCookie) }),
      );
      expect(next).toMatchObject({
        createdAt: issued.session.createdAt,
        expiresAt: issued.session.expiresAt,
        mfaAt: clock.now(),
      });
      // A second rotation of the dead session is refused: only one successor ever lives.
      expect(await refusal(sessions.rotate(session!, request))).toMatchObject({
        code: 'ERR_SESSION_INVALID',
      });
      expect(await sessions.list('user-1')).toHaveLength(1);
    });

    it('lists sessions with the current one marked, revokes the others', async () => {
      const first = await signIn();
      clock.advance(1000);
      const second = await signIn();
      const list = await sessions.list('user-1', second.issued.session.id);
      expect(list.map((entry) => [entry.id, entry.current])).toEqual([
        [second.issued.session.id, true],
        [first.issued.session.id, false],
      ]);
      expect(list[0]).toMatchObject({
        userAgent: expect.stringContaining('Firefox/128'),
        ip: '203.0.113.7',
      });
      expect(await sessions.revokeOthers(second.issued.session)).toBe(1);
      expect(await refusal(sessions.authenticate(first.request))).toMatchObject({
        code: 'ERR_SESSION_INVALID',
      });
      await sessions.revokeAllForUser('user-1');
      expect(await refusal(sessions.authenticate(second.request))).toMatchObject({
        code: 'ERR_SESSION_INVALID',
      });
    });

    it('reject-new answers 409 ERR_SESSION_LIMIT at the cap', async () => {
      const strict = createSessions({
        store: stores.sessions,
        clock,
        maxSessionsPerUser: 1,
        whenLimitReached: 'reject-new',
      });
      await strict.create('user-2', browserRequest());
      expect(await refusal(strict.create('user-2', browserRequest()))).toMatchObject({
        status: 409,
        code: 'ERR_SESSION_LIMIT',
      });
    });
  });
}
