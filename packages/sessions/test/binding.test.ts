import { createFakeClock, type SecurityEvent } from '@rampart/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessions, type Sessions } from '../src/index.js';
import {
  browserRequest,
  CHROME_126,
  cookieOf,
  FIREFOX_128,
  FIREFOX_129,
} from './helpers/requests.js';
import { BACKENDS, type StoresUnderTest } from './helpers/stores.js';

/**
 * The binding cases of the issue, pinned on every store: a product-family change is a hijack
 * (revoked, 401 ERR_SESSION_BINDING, SESSION_HIJACK_ATTEMPT); a version bump and a move within
 * the /24 are accepted and recorded silently; a move to another network is accepted, recorded
 * and reported (SESSION_SUSPICIOUS).
 */
for (const [name, available, open] of BACKENDS) {
  describe.skipIf(!available)(`binding on ${name}`, () => {
    let stores: StoresUnderTest;
    let events: SecurityEvent[];
    let sessions: Sessions;
    let cookie: string;
    beforeEach(async () => {
      stores = await open();
      events = [];
      sessions = createSessions({
        store: stores.sessions,
        clock: createFakeClock(Date.now()),
        onEvent: (event) => events.push(event),
      });
      cookie = cookieOf((await sessions.create('user-1', browserRequest())).setCookie);
      events.length = 0;
    });
    afterEach(async () => stores.cleanup());

    const present = (overrides: Parameters<typeof browserRequest>[0]) =>
      sessions.authenticate(browserRequest({ cookie, ...overrides }));

    it('another browser family (Firefox → Chrome): revoked at once, 401 ERR_SESSION_BINDING, a critical event', async () => {
      await expect(present({ userAgent: CHROME_126 })).rejects.toMatchObject({
        status: 401,
        code: 'ERR_SESSION_BINDING',
      });
      expect(events).toMatchObject([
        {
          type: 'SESSION_HIJACK_ATTEMPT',
          severity: 'critical',
          userId: 'user-1',
          reason: 'family',
        },
      ]);
      // Revoked: the rightful browser is refused too, and must sign in again.
      await expect(present({})).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID' });
    });

    it("a browser (the seed's fingerprint) → curl with the stolen cookie is a hijack too", async () => {
      await expect(present({ userAgent: 'curl/8.5.0', language: '' })).rejects.toMatchObject({
        code: 'ERR_SESSION_BINDING',
      });
    });

    it('a version bump (Firefox 128 → 129) is accepted and recorded, without an event', async () => {
      await expect(present({ userAgent: FIREFOX_129 })).resolves.toMatchObject({
        userAgent: FIREFOX_129,
      });
      expect(events).toEqual([]);
      expect((await sessions.list('user-1'))[0]?.userAgent).toBe(FIREFOX_129);
      // Recorded: the old version is now a downgrade, which is reported.
      await expect(present({})).resolves.toBeDefined();
      expect(events).toMatchObject([{ type: 'SESSION_SUSPICIOUS', reason: 'version-downgrade' }]);
    });

    it('a move within the /24 is accepted and recorded, without an event', async () => {
      await expect(present({ ip: '203.0.113.200' })).resolves.toMatchObject({
        ip: '203.0.113.200',
      });
      expect(events).toEqual([]);
      expect((await sessions.list('user-1'))[0]?.ip).toBe('203.0.113.200');
    });

    it('a far move (another network) is accepted, recorded and reported as suspicious', async () => {
      await expect(present({ ip: '198.51.100.20' })).resolves.toMatchObject({
        ip: '198.51.100.20',
      });
      expect(events).toMatchObject([
        {
          type: 'SESSION_SUSPICIOUS',
          severity: 'warning',
          userId: 'user-1',
          reason: 'network',
          detail: { score: 5 },
        },
      ]);
      // Recorded: the next request from there is nothing new.
      await present({ ip: '198.51.100.20' });
      expect(events).toHaveLength(1);
    });

    it('the same browser again changes nothing and writes nothing', async () => {
      await expect(present({})).resolves.toMatchObject({ userAgent: FIREFOX_128 });
      expect(events).toEqual([]);
    });
  });
}

describe('binding thresholds', () => {
  it('are configurable: with hijackAt 5 a far move is a hijack; with binding off nothing is compared', async () => {
    const { MemorySessionStore } = await import('../src/index.js');
    const strict = createSessions({ store: new MemorySessionStore(), binding: { hijackAt: 5 } });
    const issued = await strict.create('u', browserRequest());
    await expect(
      strict.authenticate(
        browserRequest({ cookie: cookieOf(issued.setCookie), ip: '198.51.100.20' }),
      ),
    ).rejects.toMatchObject({ code: 'ERR_SESSION_BINDING' });
    const off = createSessions({ store: new MemorySessionStore(), binding: false });
    const loose = await off.create('u', browserRequest());
    await expect(
      off.authenticate(
        browserRequest({ cookie: cookieOf(loose.setCookie), userAgent: CHROME_126 }),
      ),
    ).resolves.toBeDefined();
  });
});
