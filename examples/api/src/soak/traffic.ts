import { randomBytes } from 'node:crypto';
import type { SoakAnswer, SoakClient, SoakRequest } from './soak-client.js';

/** What the traffic did, by kind of request. */
export interface TrafficTally {
  /** Requests sent, legitimate and attacks. */
  requests: number;
  /** Answers with a 5xx status: the bar is zero. */
  serverErrors: number;
  /** Attacks the app accepted (a 2xx to a replay, a forged token, a wrong password …): zero. */
  acceptedAttacks: number;
  /** Count per `<kind> <status>`, e.g. `login 200`, `attack:replay 401`. */
  byKind: Record<string, number>;
}

/** A signed-in client: its account, its address and its current tokens. */
interface User {
  readonly account: { readonly email: string; readonly password: string };
  accessToken: string;
  refreshToken: string;
  /** Sends as this client: from its own address (X-Forwarded-For through the trusted proxy). */
  send(method: string, path: string, request?: SoakRequest): Promise<SoakAnswer>;
}

/** A random address in 10.0.0.0/8: every simulated client is its own network peer. */
function randomIp(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${c}`;
}

/**
 * Mixed traffic against the example app until `running()` is false: legitimate users who log in,
 * read, write signed records, refresh and log out (a new user arriving each time, so state keeps
 * being created and must keep expiring), beside attackers who guess passwords, replay and tamper
 * with a signed request, reuse a spent refresh token and forge access tokens. Every attack must
 * be refused; every answer must be below 500.
 */
export async function runTraffic(
  client: SoakClient,
  options: { readonly users: number; readonly running: () => boolean },
): Promise<TrafficTally> {
  const tally: TrafficTally = { requests: 0, serverErrors: 0, acceptedAttacks: 0, byKind: {} };

  function count(kind: string, answer: SoakAnswer, attack = false): SoakAnswer {
    tally.requests++;
    const key = `${kind} ${answer.status}`;
    tally.byKind[key] = (tally.byKind[key] ?? 0) + 1;
    if (answer.status >= 500) tally.serverErrors++;
    if (attack && answer.status >= 200 && answer.status < 300) tally.acceptedAttacks++;
    return answer;
  }

  async function signIn(): Promise<User> {
    const account = {
      email: `soak-${randomBytes(6).toString('hex')}@example.com`,
      // 15+ characters, none of the email's words (the policy refuses "soak" here).
      password: `pw-${randomBytes(12).toString('hex')}`,
    };
    const ip = randomIp();
    const send = (method: string, path: string, request: SoakRequest = {}) =>
      client.send(method, path, {
        ...request,
        headers: { ...request.headers, 'x-forwarded-for': ip },
      });
    count('register', await send('POST', '/api/v1/auth/register', { body: account }));
    const login = count('login', await send('POST', '/api/v1/auth/login', { body: account }));
    return {
      account,
      accessToken: String(login.body.accessToken),
      refreshToken: String(login.body.refreshToken),
      send,
    };
  }

  async function legitimate(index: number): Promise<void> {
    let user = await signIn();
    let round = 0;
    while (options.running()) {
      round++;
      const path = `/api/v1/entities/soak-${index}/records`;
      const token = user.accessToken;
      if (round % 4 === 0) {
        const raw = JSON.stringify({ data: { round } });
        const headers = await client.signatureFor(path, raw);
        count('signed-write', await user.send('POST', path, { raw, headers, token }));
      } else if (round % 4 === 1) {
        count('read', await user.send('GET', path, { token }));
      } else if (round % 4 === 2) {
        count('me', await user.send('GET', '/api/v1/me', { token }));
      } else {
        const body = { refreshToken: user.refreshToken };
        const refreshed = count(
          'refresh',
          await user.send('POST', '/api/v1/auth/refresh', { body }),
        );
        if (refreshed.status === 200) {
          user.accessToken = String(refreshed.body.accessToken);
          user.refreshToken = String(refreshed.body.refreshToken);
        }
      }
      if (round % 200 === 0) {
        count(
          'logout',
          await user.send('POST', '/api/v1/auth/logout', { token: user.accessToken }),
        );
        user = await signIn();
      }
    }
  }

  async function attacker(): Promise<void> {
    // Two victims: the reuse of a refresh token revokes its family, and the signature attacks
    // must be refused for their own sake, not because that revocation killed the token.
    const signer = await signIn();
    const refresher = await signIn();
    const path = '/api/v1/entities/soak-victim/records';
    const raw = JSON.stringify({ data: { victim: true } });
    const captured = await client.signatureFor(path, raw);
    count(
      'signed-write',
      await signer.send('POST', path, { raw, headers: captured, token: signer.accessToken }),
    );
    const spent = refresher.refreshToken;
    count(
      'refresh',
      await refresher.send('POST', '/api/v1/auth/refresh', { body: { refreshToken: spent } }),
    );
    let round = 0;
    while (options.running()) {
      round++;
      const token = signer.accessToken;
      switch (round % 5) {
        case 0: {
          const password = `guess-${round}-${randomBytes(4).toString('hex')}`;
          const body = { email: signer.account.email, password };
          count('attack:guess', await signer.send('POST', '/api/v1/auth/login', { body }), true);
          break;
        }
        case 1:
          count(
            'attack:replay',
            await signer.send('POST', path, { raw, headers: captured, token }),
            true,
          );
          break;
        case 2: {
          const other = JSON.stringify({ data: { victim: false } });
          const request = { raw: other, headers: captured, token };
          count('attack:tamper', await signer.send('POST', path, request), true);
          break;
        }
        case 3: {
          const body = { refreshToken: spent };
          count(
            'attack:refresh-reuse',
            await refresher.send('POST', '/api/v1/auth/refresh', { body }),
            true,
          );
          break;
        }
        default: {
          const forged = `${token.split('.').slice(0, 2).join('.')}.${randomBytes(32).toString('base64url')}`;
          count(
            'attack:forged-token',
            await signer.send('GET', '/api/v1/me', { token: forged }),
            true,
          );
        }
      }
    }
  }

  const attackers = Math.max(1, Math.floor(options.users / 4));
  await Promise.all([
    ...Array.from({ length: options.users }, (_, index) => legitimate(index)),
    ...Array.from({ length: attackers }, () => attacker()),
  ]);
  return tally;
}
