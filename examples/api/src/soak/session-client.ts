import type { SoakAnswer } from './soak-client.js';
import { type Pace, SoakUser, type Traffic } from './soak-user.js';

const SESSIONS = '/api/v1/sessions';
/** Three requests to `/api/v1/entities/*` a cycle: 12 cycles spend 36 of the 100 a minute. */
const CYCLES_PER_USER = 12;

/** `__Host-sid=…` of the answer's Set-Cookie, as a browser would send it back. */
export function sessionCookie(answer: SoakAnswer): string | undefined {
  const header = answer.headers.getSetCookie().find((cookie) => cookie.startsWith('__Host-sid='));
  return header?.split(';')[0];
}

/** Signs `user` in by password for a session cookie (POST /api/v1/sessions). */
export async function browserSignIn(user: SoakUser, kind: string): Promise<string | undefined> {
  const answer = await user.send('POST', SESSIONS, { body: user.account });
  user.traffic.tally.legitimate(kind, answer);
  return sessionCookie(answer);
}

/**
 * A browser on the session cookie: a user registers, signs in for a cookie, reads /me, lists its
 * sessions, reads and writes signed records (same-origin, as the dashboard's page would), then
 * signs out, and a new user arrives. Whoever kept the cookie of a signed-out session tries it,
 * and must be refused.
 */
export async function sessionClient(traffic: Traffic, pace: Pace, index: number): Promise<void> {
  const { client, tally, running } = traffic;
  const path = `/api/v1/entities/soak-session-${index}/records`;
  while (running()) {
    const user = new SoakUser(traffic, pace);
    await user.register();
    const cookie = await browserSignIn(user, 'session-login');
    if (cookie === undefined) continue;
    const headers = { cookie, 'sec-fetch-site': 'same-origin' };
    // A browser also sends Origin on every unsafe request.
    const writeHeaders = { ...headers, origin: new URL(client.baseUrl).origin };
    for (let cycle = 0; cycle < CYCLES_PER_USER && running(); cycle++) {
      tally.legitimate('session-me', await user.send('GET', '/api/v1/me', { headers }));
      tally.legitimate('session-read', await user.send('GET', path, { headers }));
      const raw = JSON.stringify({ data: { cycle, by: 'session' } });
      const signature = await client.signatureFor(path, raw);
      tally.legitimate(
        'session-signed-write',
        await user.send('POST', path, { raw, headers: { ...writeHeaders, ...signature } }),
      );
      tally.legitimate('session-list', await user.send('GET', SESSIONS, { headers }));
      tally.legitimate('session-read', await user.send('GET', path, { headers }));
    }
    tally.legitimate(
      'session-logout',
      await user.send('DELETE', `${SESSIONS}/current`, { headers: writeHeaders }),
    );
    tally.attack('session-signed-out', await user.send('GET', '/api/v1/me', { headers }));
  }
}
