import { randomBytes } from 'node:crypto';
import type { SoakAnswer, SoakClient, SoakRequest } from './soak-client.js';
import type { Tally } from './tally.js';

/** What the simulated clients share: the app's client, the tally and the clock. */
export interface Traffic {
  readonly client: SoakClient;
  readonly tally: Tally;
  /** False once the soak's time is up: each client stops after its current request. */
  readonly running: () => boolean;
}

/**
 * One client's pace, kept across the users it plays one after another: the mean time between the
 * starts of two of its requests. It waits for each answer before sending again, so at most one
 * request per client is in flight whatever the pace.
 */
export class Pace {
  #nextAt: number;

  /** `startAt` (epoch ms): clients arrive over a ramp, not all in the first millisecond. */
  constructor(
    readonly intervalMs: number,
    startAt: number,
  ) {
    this.#nextAt = startAt;
  }

  /** Resolves when the next request may start. */
  async next(): Promise<void> {
    const wait = this.#nextAt - Date.now();
    if (wait > 0) await sleep(wait);
    // Jittered from half to one and a half intervals, so the clients do not march in step.
    this.#nextAt = Date.now() + this.intervalMs * (0.5 + Math.random());
  }
}

export const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** A random address in 10.0.0.0/8: every simulated client is its own network peer. */
function randomIp(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${c}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One simulated person: an account, an address (`X-Forwarded-For` through the trusted loopback
 * proxy), a browser, a pace, and the tokens of its last login.
 */
export class SoakUser {
  readonly account = {
    email: `soak-${randomBytes(6).toString('hex')}@example.com`,
    // 15+ characters, none of the email's words (the policy refuses "soak" here).
    password: `pw-${randomBytes(12).toString('hex')}`,
  };
  readonly ip = randomIp();
  accessToken = '';
  refreshToken = '';

  constructor(
    readonly traffic: Traffic,
    readonly pace: Pace,
    readonly userAgent = FIREFOX,
  ) {}

  /** Sends as this user once its client's pace allows: its address and browser every time. */
  async send(method: string, path: string, request: SoakRequest = {}): Promise<SoakAnswer> {
    await this.pace.next();
    return this.traffic.client.send(method, path, {
      ...request,
      headers: { 'user-agent': this.userAgent, 'x-forwarded-for': this.ip, ...request.headers },
    });
  }

  /** Registers this user's account; a refused registration leaves a login to be refused too. */
  async register(): Promise<void> {
    const answer = await this.send('POST', '/api/v1/auth/register', { body: this.account });
    this.traffic.tally.legitimate('register', answer);
  }

  /** Logs in for a token pair, kept on this user; false when the login was refused. */
  async login(): Promise<boolean> {
    const answer = await this.send('POST', '/api/v1/auth/login', { body: this.account });
    this.traffic.tally.legitimate('login', answer);
    if (answer.status !== 200) return false;
    this.accessToken = String(answer.body.accessToken);
    this.refreshToken = String(answer.body.refreshToken);
    return true;
  }

  /** Refreshes the token pair; a refused refresh keeps the old pair (and is counted). */
  async refresh(kind = 'refresh'): Promise<SoakAnswer> {
    const body = { refreshToken: this.refreshToken };
    const answer = this.traffic.tally.legitimate(
      kind,
      await this.send('POST', '/api/v1/auth/refresh', { body }),
    );
    if (answer.status === 200) {
      this.accessToken = String(answer.body.accessToken);
      this.refreshToken = String(answer.body.refreshToken);
    }
    return answer;
  }

  async logout(): Promise<void> {
    const answer = await this.send('POST', '/api/v1/auth/logout', { token: this.accessToken });
    this.traffic.tally.legitimate('logout', answer);
  }
}

/**
 * A new user, registered and logged in; undefined when either was refused (counted: a client
 * without tokens would only add refusals that follow from the first one).
 */
export async function signedInUser(traffic: Traffic, pace: Pace): Promise<SoakUser | undefined> {
  const user = new SoakUser(traffic, pace);
  await user.register();
  return (await user.login()) ? user : undefined;
}
