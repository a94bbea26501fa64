import { createFakeClock, RampartConfigError } from '@rampart/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSessions,
  createTrustedDevices,
  MemorySessionStore,
  type TrustedDevices,
} from '../src/index.js';
import { browserRequest, cookieOf } from './helpers/requests.js';
import { BACKENDS, type StoresUnderTest } from './helpers/stores.js';

const DAY = 86_400_000;

for (const [name, available, open] of BACKENDS) {
  describe.skipIf(!available)(`trusted devices on ${name}`, () => {
    let stores: StoresUnderTest;
    let clock: ReturnType<typeof createFakeClock>;
    let devices: TrustedDevices;
    beforeEach(async () => {
      stores = await open();
      clock = createFakeClock(Date.now());
      devices = createTrustedDevices({ store: stores.devices, clock });
    });
    afterEach(async () => stores.cleanup());

    it('trusts a device for 30 days, for its user only, read from its own cookie', async () => {
      const issued = await devices.issue('user-1', browserRequest());
      expect(issued.setCookie).toMatch(
        /^__Host-tdid=td_[0-9A-Za-z]{49}; Path=\/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax$/,
      );
      const token = devices.readToken(
        browserRequest({ cookie: `a=1; ${cookieOf(issued.setCookie)}` }),
      );
      expect(token).toBe(issued.token);
      expect(await devices.verify('user-1', token)).toBe(true);
      expect(await devices.verify('user-2', token)).toBe(false);
      clock.advance(30 * DAY - 1);
      expect(await devices.verify('user-1', token)).toBe(true);
      clock.advance(1);
      expect(await devices.verify('user-1', token)).toBe(false);
    });

    it('answers false, never throws, for anything that is not a live token of the user', async () => {
      for (const bad of [undefined, null, 42, '', 'td_short', `td_${'0'.repeat(49)}`, {}]) {
        expect(await devices.verify('user-1', bad)).toBe(false);
      }
      expect(await devices.verify('', 'x')).toBe(false);
    });

    it('lists, revokes one, and revokes all (MFA disabled, password changed)', async () => {
      const a = await devices.issue('user-1', browserRequest());
      const b = await devices.issue('user-1', browserRequest({ userAgent: 'Other/1' }));
      const listed = await devices.list('user-1');
      expect(listed.map((device) => device.id).sort()).toEqual([a.id, b.id].sort());
      expect(JSON.stringify(listed)).not.toContain(a.token);
      expect(await devices.revoke('user-2', a.id)).toBe(false);
      expect(await devices.revoke('user-1', a.id)).toBe(true);
      expect(await devices.verify('user-1', a.token)).toBe(false);
      await devices.revokeAllForUser('user-1');
      expect(await devices.verify('user-1', b.token)).toBe(false);
      expect(await devices.list('user-1')).toEqual([]);
    });
  });
}

describe('configuration', () => {
  const store = new MemorySessionStore();
  it.each([
    [{}, /createSessions\.store/],
    [{ store: {} }, /createSessions\.store/],
    [{ store, idleTimeoutSeconds: 0 }, /createSessions\.idleTimeoutSeconds/],
    [
      { store, touchIntervalSeconds: 1800, idleTimeoutSeconds: 1800 },
      /createSessions\.touchIntervalSeconds/,
    ],
    [
      { store, idleTimeoutSeconds: 7200, absoluteTimeoutSeconds: 3600 },
      /createSessions\.idleTimeoutSeconds/,
    ],
    [{ store, maxSessionsPerUser: 0 }, /createSessions\.maxSessionsPerUser/],
    [{ store, whenLimitReached: 'evict-oldest' }, /createSessions\.whenLimitReached/],
    [{ store, cookie: { name: 'bad name' } }, /createSessions\.cookie\.name/],
    [{ store, binding: { suspiciousAt: 10, hijackAt: 5 } }, /createSessions\.binding/],
    [{ store, binding: { weights: { colour: 1 } } }, /createSessions\.binding/],
    [{ store, lifetime: 5 }, /createSessions\.lifetime: is not an option/],
  ])('refuses %j at start-up, naming the option', (options, message) => {
    expect(() => createSessions(options as never)).toThrow(RampartConfigError);
    expect(() => createSessions(options as never)).toThrow(message);
  });

  it('takes the defaults of the issue: 30 min idle, 12 h absolute, 5 per user, __Host-sid', async () => {
    const sessions = createSessions({ store });
    expect(sessions.cookieName).toBe('__Host-sid');
    const issued = await sessions.create('u', browserRequest());
    expect(issued.session.expiresAt - issued.session.createdAt).toBe(43_200_000);
    expect(issued.session.idleExpiresAt - issued.session.createdAt).toBe(1_800_000);
    expect(() => createTrustedDevices({ store: {} as never })).toThrow(
      /createTrustedDevices\.store/,
    );
  });
});
