import { createFakeClock } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { createSessions, createTrustedDevices } from '../src/index.js';
import { browserRequest, cookieOf } from './helpers/requests.js';
import { BACKENDS } from './helpers/stores.js';

for (const [name, available, open] of BACKENDS.filter(([backend]) => backend !== 'memory')) {
  describe.skipIf(!available)(`what ${name} holds`, () => {
    it('never holds a session or device token, nor its secret part: read back raw', async () => {
      const stores = await open();
      try {
        const clock = createFakeClock(Date.now());
        const sessions = createSessions({ store: stores.sessions, clock });
        const devices = createTrustedDevices({ store: stores.devices, clock });
        const tokens: string[] = [];
        for (let i = 0; i < 3; i++) {
          const issued = await sessions.create('user-raw', browserRequest());
          tokens.push(issued.token);
          // A touch and a rotation write again: neither may write the token either.
          clock.advance(61_000);
          const session = await sessions.authenticate(
            browserRequest({ cookie: cookieOf(issued.setCookie) }),
          );
          tokens.push((await sessions.rotate(session!, browserRequest())).token);
          tokens.push((await devices.issue('user-raw', browserRequest())).token);
        }
        const dump = await stores.dump();
        expect(dump).toContain((await sessions.list('user-raw'))[0]?.id);
        for (const token of tokens) {
          expect(dump).not.toContain(token);
          // The secret alone (after the user key, or after `td_`).
          expect(dump).not.toContain(
            token.slice(token.indexOf(token.startsWith('td_') ? '_' : '.') + 1),
          );
        }
      } finally {
        await stores.cleanup();
      }
    });
  });
}
