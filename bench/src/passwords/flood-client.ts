import { randomBytes } from 'node:crypto';
import { quantile } from '../harness/stats.js';

/** A client that waits longer than this counts a timeout: what the flood must never cause. */
const REQUEST_TIMEOUT_MS = 30_000;
const REGISTER_BATCH = 10;

export interface Account {
  readonly email: string;
  readonly password: string;
}

/** What one flood got back. */
export interface FloodResult {
  /** Answers by kind: `401 ERR_LOGIN_FAILED`, `503 ERR_BUSY`, `429`, else status and code, `timeout`. */
  readonly statuses: Map<string, number>;
  /** From the first request sent to the last answer. */
  readonly lastAnswerMs: number;
  /** Median time to a 503 `ERR_BUSY`; undefined when there was none. */
  readonly busyAnswerP50Ms: number | undefined;
}

let nextClient = 0;

/** A client address of its own for every request (10.0.0.0/8), sent as `X-Forwarded-For`. */
function newClientIp(): string {
  const n = nextClient++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

function post(baseUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': newClientIp() },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** Registers `count` accounts, a few at a time (well inside the hasher's queue). */
export async function registerAccounts(baseUrl: string, count: number): Promise<Account[]> {
  const accounts = Array.from({ length: count }, (_, i) => ({
    email: `flood-${i}-${randomBytes(4).toString('hex')}@example.com`,
    password: `pw-${randomBytes(12).toString('hex')}`,
  }));
  for (let i = 0; i < count; i += REGISTER_BATCH) {
    await Promise.all(
      accounts.slice(i, i + REGISTER_BATCH).map(async (account) => {
        const response = await post(baseUrl, '/api/v1/auth/register', account);
        if (response.status !== 201) {
          throw new Error(`register answered ${response.status}: ${await response.text()}`);
        }
      }),
    );
  }
  return accounts;
}

/** Names an answer; a 503 or 429 counts only with its problem+json and `Retry-After`. */
function classify(response: Response, text: string): string {
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  const problem = response.headers.get('content-type')?.startsWith('application/problem+json');
  const retryAfter = /^[1-9][0-9]*$/.test(response.headers.get('retry-after') ?? '');
  if (response.status === 401 && code === 'ERR_LOGIN_FAILED') return '401 ERR_LOGIN_FAILED';
  if (response.status === 503 && problem && code === 'ERR_BUSY' && retryAfter)
    return '503 ERR_BUSY';
  if (response.status === 429 && problem && retryAfter) return '429';
  return `${response.status} ${String(code)}`;
}

async function wrongLogin(baseUrl: string, account: Account): Promise<[string, number]> {
  const started = performance.now();
  try {
    const response = await post(baseUrl, '/api/v1/auth/login', {
      email: account.email,
      password: `not-${account.password}`,
    });
    const kind = classify(response, await response.text());
    return [kind, performance.now() - started];
  } catch (error) {
    const name = (error as Error).name;
    return [name === 'TimeoutError' ? 'timeout' : `error ${name}`, performance.now() - started];
  }
}

/** Sends one wrong-password login per account, all at once, and tallies the answers. */
export async function flood(baseUrl: string, accounts: readonly Account[]): Promise<FloodResult> {
  const started = performance.now();
  const answers = await Promise.all(accounts.map((account) => wrongLogin(baseUrl, account)));
  const lastAnswerMs = performance.now() - started;
  const statuses = new Map<string, number>();
  for (const [kind] of answers) statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
  const busy = answers.filter(([kind]) => kind === '503 ERR_BUSY').map(([, ms]) => ms);
  return {
    statuses,
    lastAnswerMs,
    busyAnswerP50Ms: busy.length === 0 ? undefined : quantile(busy, 0.5),
  };
}
