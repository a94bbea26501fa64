import { randomBytes } from 'node:crypto';
import { browserSignIn } from './session-client.js';
import { type Pace, SoakUser, signedInUser, type Traffic } from './soak-user.js';

const CURL = 'curl/8.5.0';
/** Attacks on one set of victims before new victims arrive (seven kinds, five rounds of each). */
const ATTACKS_PER_VICTIMS = 35;

/**
 * The attacker's victims: `signer` signed a record whose request the attacker captured,
 * `refresher` spent a refresh token the attacker kept, and `browser` has a session cookie the
 * attacker can make a browser send cross-site, or steal and send from curl.
 */
interface Victims {
  readonly signer: SoakUser;
  readonly refresher: SoakUser;
  readonly browser: SoakUser;
  readonly cookie: string;
  readonly spentRefreshToken: string;
  readonly captured: { readonly raw: string; readonly headers: Record<string, string> };
}

const VICTIM_PATH = '/api/v1/entities/soak-victim/records';

async function newVictims(traffic: Traffic, pace: Pace): Promise<Victims | undefined> {
  const { client, tally } = traffic;
  const signer = await signedInUser(traffic, pace);
  const refresher = await signedInUser(traffic, pace);
  if (signer === undefined || refresher === undefined) return undefined;
  const browser = new SoakUser(traffic, pace);
  await browser.register();
  const cookie = await browserSignIn(browser, 'session-login');
  const raw = JSON.stringify({ data: { victim: true } });
  const headers = await client.signatureFor(VICTIM_PATH, raw);
  tally.legitimate(
    'signed-write',
    await signer.send('POST', VICTIM_PATH, { raw, headers, token: signer.accessToken }),
  );
  const spentRefreshToken = refresher.refreshToken;
  await refresher.refresh();
  if (cookie === undefined) return undefined;
  return { signer, refresher, browser, cookie, spentRefreshToken, captured: { raw, headers } };
}

/**
 * Attacks, each of which must be refused: a cookie sent cross-site (CSRF) and a stolen cookie
 * sent from another browser family, a forged access token, a tampered and a replayed signed
 * request, a spent refresh token, and password guesses. Each victim set takes five rounds of
 * them; then new victims arrive, since the app's own defences (a replay or a brute force locks
 * the account) would otherwise refuse every later attack before the check it aims at.
 */
export async function attacker(traffic: Traffic, pace: Pace): Promise<void> {
  const { tally, running } = traffic;
  while (running()) {
    const victims = await newVictims(traffic, pace);
    if (victims === undefined) continue;
    const { signer, refresher, browser, cookie, captured } = victims;
    for (let round = 0; round < ATTACKS_PER_VICTIMS && running(); round++) {
      const token = signer.accessToken;
      switch (round % 7) {
        case 0: {
          const headers = { cookie, 'sec-fetch-site': 'cross-site' };
          tally.attack('csrf', await browser.send('DELETE', '/api/v1/sessions', { headers }));
          break;
        }
        case 1: {
          const headers = { cookie, 'user-agent': CURL };
          tally.attack('stolen-cookie', await browser.send('GET', '/api/v1/me', { headers }));
          break;
        }
        case 2: {
          const forged = `${token.split('.').slice(0, 2).join('.')}.${randomBytes(32).toString('base64url')}`;
          tally.attack('forged-token', await signer.send('GET', '/api/v1/me', { token: forged }));
          break;
        }
        case 3: {
          const raw = JSON.stringify({ data: { victim: false } });
          const request = { raw, headers: captured.headers, token };
          tally.attack('tamper', await signer.send('POST', VICTIM_PATH, request));
          break;
        }
        case 4: {
          const request = { raw: captured.raw, headers: captured.headers, token };
          tally.attack('replay', await signer.send('POST', VICTIM_PATH, request));
          break;
        }
        case 5: {
          const body = { refreshToken: victims.spentRefreshToken };
          tally.attack(
            'refresh-reuse',
            await refresher.send('POST', '/api/v1/auth/refresh', { body }),
          );
          break;
        }
        default: {
          const password = `guess-${round}-${randomBytes(4).toString('hex')}`;
          const body = { email: refresher.account.email, password };
          tally.attack('guess', await refresher.send('POST', '/api/v1/auth/login', { body }));
        }
      }
    }
  }
}
