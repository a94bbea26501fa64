import { signRequest } from '@rampart/request-signing/client';
import { expect } from 'vitest';
import { type ApiClient, type ApiResponse, newAccount } from './api-client.js';

/**
 * Shared by the fault tests that kill a store's server: authenticated load with every answer
 * timed, a real bound on each request (a hang fails the test), and the security state written
 * before the fault that must still be refused after it.
 */

/** Longer than any store deadline plus a loaded machine's delay: a request past it hangs. */
export const CLIENT_PATIENCE_MS = 15_000;

/** An answer of the load, with when it was asked and when it came (epoch ms). */
export interface TimedAnswer {
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly sentAt: number;
  readonly answeredAt: number;
}

/** One request, failing with "hung" when it takes longer than {@link CLIENT_PATIENCE_MS}. */
export async function patiently(path: string, work: () => Promise<ApiResponse>) {
  const sentAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${path} hung past ${CLIENT_PATIENCE_MS} ms`)),
      CLIENT_PATIENCE_MS,
    );
  });
  try {
    const answer = await Promise.race([work(), hung]);
    return { ...answer, path, sentAt, answeredAt: Date.now() } satisfies TimedAnswer;
  } finally {
    clearTimeout(timer);
  }
}

interface Worker {
  readonly account: { email: string; password: string };
  accessToken: string;
}

/** Registers and logs in `count` clients before the fault, so the load starts authenticated. */
export async function prepareWorkers(api: ApiClient, count: number): Promise<Worker[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const account = newAccount(`load${index}`);
      await api.register(account);
      return { account, accessToken: (await api.login(account)).accessToken };
    }),
  );
}

/**
 * Mixed authenticated traffic (signed writes, reads, /me) from `workers` until `running()` is
 * false; a worker whose token was refused (401) logs in again.
 */
export async function load(
  api: ApiClient,
  workers: readonly Worker[],
  running: () => boolean,
): Promise<TimedAnswer[]> {
  const answers: TimedAnswer[] = [];
  await Promise.all(
    workers.map(async (worker, index) => {
      let round = 0;
      while (running()) {
        round++;
        const path = round % 3 === 2 ? '/api/v1/me' : `/api/v1/entities/fault-${index}/records`;
        const answer = await patiently(path, () => {
          if (round % 3 === 0) {
            return api.signedPost(path, JSON.stringify({ data: { round } }), worker.accessToken);
          }
          return api.get(path, { token: worker.accessToken });
        });
        answers.push(answer);
        if (answer.status === 401) {
          const login = '/api/v1/auth/login';
          const again = await patiently(login, () => api.post(login, worker.account));
          answers.push(again);
          if (again.status === 200) worker.accessToken = again.body.accessToken as string;
        }
      }
    }),
  );
  return answers;
}

/** Asserts `answer` is the store-down refusal: 503 problem+json with a whole-seconds Retry-After. */
export function expectStoreDownRefusal(answer: TimedAnswer): void {
  const where = `${answer.path}: ${answer.status} ${JSON.stringify(answer.body)}`;
  expect(answer.status, where).toBe(503);
  expect(answer.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
  expect(answer.headers.get('retry-after'), where).toMatch(/^\d+$/);
}

/** Polls /health until it answers 200, or `timeoutMs` passed; resolves the last status. */
export async function recovered(api: ApiClient, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await patiently('/health', () => api.get('/health'))).status;
    if (status === 200) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}

/** Security state refused before the fault, to be refused again after it. */
export interface SpentState {
  readonly account: { email: string; password: string };
  /** A refresh token already exchanged (its reuse was refused with 401). */
  readonly spentRefreshToken: string;
  /** A signed request already accepted once (its replay was refused with 401). */
  readonly replay: { path: string; raw: string; headers: Record<string, string> };
}

/**
 * Spends a refresh token and a signature, and checks both reuses are refused now: the state a
 * lost write would let through after the store comes back.
 */
export async function spendSecurityState(api: ApiClient): Promise<SpentState> {
  const account = newAccount('spent');
  await api.register(account);
  const pair = await api.login(account);
  const exchanged = await api.post('/api/v1/auth/refresh', { refreshToken: pair.refreshToken });
  expect(exchanged.status).toBe(200);
  const path = '/api/v1/entities/spent/records';
  const raw = JSON.stringify({ data: { spent: true } });
  const headers = await signRequest({
    method: 'POST',
    url: new URL(path, api.baseUrl),
    body: raw,
    keyId: api.secrets.SIGNING_KEY_ID as string,
    secret: api.secrets.SIGNING_SECRET as string,
  });
  const token = exchanged.body.accessToken as string;
  expect((await api.post(path, undefined, { raw, token, headers })).status).toBe(201);
  const spent = { account, spentRefreshToken: pair.refreshToken, replay: { path, raw, headers } };
  await expectStillRefused(api, spent);
  return spent;
}

/** The reused refresh token and the replayed signature are refused (401), and the app serves. */
export async function expectStillRefused(api: ApiClient, spent: SpentState): Promise<void> {
  const reuse = await api.post('/api/v1/auth/refresh', { refreshToken: spent.spentRefreshToken });
  expect(reuse.status, JSON.stringify(reuse.body)).toBe(401);
  const fresh = await api.login(spent.account);
  const { path, raw, headers } = spent.replay;
  const replay = await api.post(path, undefined, { raw, token: fresh.accessToken, headers });
  expect(replay.status, JSON.stringify(replay.body)).toBe(401);
  expect((await api.get('/api/v1/me', { token: fresh.accessToken })).status).toBe(200);
}
