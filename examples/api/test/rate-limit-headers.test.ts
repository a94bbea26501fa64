import { randomUUID } from 'node:crypto';
import { createApiKeyFormat } from '@rampart/api-keys';
import { parseList } from 'structured-headers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, type ApiResponse, newAccount, testSecrets } from './api-client.js';
import { available, pg, redisPrefix } from './store-isolation.js';

// The app runs as a child process (tsx compiling on the fly): seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

/** A route a key may use, which also has a limit of its own (100 a minute per principal). */
const READ = '/api/v1/entities/e1/records';

/** The `r` and `t` of the item of `RateLimit` naming `policy`. */
function limitItem(response: ApiResponse, policy: string): { r: number; t: number } {
  const field = response.headers.get('ratelimit') ?? '';
  const match = new RegExp(`"${policy}";r=(\\d+);t=(\\d+)`).exec(field);
  expect(match, `RateLimit: ${field}`).not.toBeNull();
  return { r: Number(match?.[1]), t: Number(match?.[2]) };
}

/**
 * A list field as `[name, params]` items, parsed by an independent Structured Fields parser
 * (draft-ietf-httpapi-ratelimit-headers: one list item per policy, every limiter's in one field).
 */
function listOf(response: ApiResponse, field: string): Array<[string, Record<string, unknown>]> {
  const value = response.headers.get(field);
  expect(value, field).not.toBeNull();
  return parseList(value as string).map(([name, params]) => [
    name as string,
    Object.fromEntries(params),
  ]);
}

/** A key id (16 base62 characters) no key has. */
const unknownKeyId = () => randomUUID().replaceAll('-', '').slice(0, 16);

/** The policy names of a list field, in order. */
const namesOf = (response: ApiResponse, field: string) =>
  listOf(response, field).map(([name]) => name);

function retryAfter(response: ApiResponse): number {
  const value = response.headers.get('retry-after') ?? '';
  expect(value).toMatch(/^[1-9][0-9]*$/);
  return Number(value);
}

/** A client's own documentation address (RFC 5737) per test: its own login and register budget. */
let nextIp = 1;
const from = () => ({ headers: { 'x-forwarded-for': `203.0.113.${nextIp++}` } });

const cases = [
  ...FRAMEWORKS.map((framework) => [framework, 'memory'] as const),
  ...FRAMEWORKS.map((framework) => [framework, 'redis'] as const),
  ...FRAMEWORKS.map((framework) => [framework, 'postgres'] as const),
];

describe.each(cases)('rate-limit headers on %s with the %s store', (framework, store) => {
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    const env: Record<string, string> = {
      ...secrets,
      TRUSTED_PROXIES: 'loopback',
      REGISTER_LIMIT_PER_HOUR: '3',
    };
    if (redisPrefix !== undefined)
      env.RAMPART_KEY_PREFIX = `${redisPrefix.prefix}rlh-${framework}:`;
    if (pg !== undefined) env.DATABASE_SCHEMA = pg.schema;
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store, '--fresh'],
      env,
    });
    api = new ApiClient(app.url, secrets);
  });
  afterAll(async () => {
    if (app !== undefined) expect(await app.stop()).toBe(0);
  });

  it.skipIf(!available[store])(
    "an API key's own limit is in the headers of every response it authenticates",
    async () => {
      const account = newAccount('keyheaders');
      await api.register(account);
      const { accessToken } = await api.login(account);
      const created = await api.post(
        '/api/v1/api-keys',
        { name: 'limited', scopes: ['entities:read'], rateLimitPerHour: 3 },
        { token: accessToken },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const withKey = { headers: { 'x-api-key': created.body.key as string } };
      // A route without a limit of its own (and closed to keys: 403) still spends the key's.
      const me = await api.get('/api/v1/me', withKey);
      expect(me.headers.get('ratelimit-policy')).toBe('"api-key";q=3;w=3600');
      expect(limitItem(me, 'api-key').r).toBe(2);
      expect(me.headers.get('x-ratelimit-remaining')).toBe('2');
      // Both limits, one list each (the route's, then the key's); the key's 3 an hour is the
      // tightest, so X-RateLimit-* are its.
      for (const left of [1, 0]) {
        const read = await api.get(READ, withKey);
        expect(read.status, JSON.stringify(read.body)).toBe(200);
        expect(listOf(read, 'ratelimit-policy')).toEqual([
          ['entities', { q: 100, w: 60 }],
          ['api-key', { q: 3, w: 3600 }],
        ]);
        expect(namesOf(read, 'ratelimit')).toEqual(['entities', 'api-key']);
        expect(limitItem(read, 'api-key').r).toBe(left);
        expect(read.headers.get('x-ratelimit-limit')).toBe('3');
        expect(read.headers.get('x-ratelimit-remaining')).toBe(String(left));
        expect(read.headers.get('x-ratelimit-reset')).toMatch(/^[0-9]+$/);
      }
      const refused = await api.get(READ, withKey);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('ratelimit-policy')).toBe('"api-key";q=3;w=3600');
      expect(limitItem(refused, 'api-key').r).toBe(0);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(limitItem(refused, 'api-key').t).toBeGreaterThanOrEqual(retryAfter(refused));
    },
  );

  it.skipIf(!available[store])(
    "a refused login's RateLimit t is no earlier than its Retry-After",
    async () => {
      const client = from();
      const attempt = { email: newAccount('nobody').email, password: 'wrong-password-1' };
      for (let i = 0; i < 5; i++) {
        expect((await api.post('/api/v1/auth/login', attempt, client)).status).toBe(401);
      }
      const refused = await api.post('/api/v1/auth/login', attempt, client);
      expect(refused.status).toBe(429);
      const login = limitItem(refused, 'login');
      expect(login.r).toBe(0);
      // The draft's t: when the named policy's quota is back; Retry-After: when a retry passes.
      expect(login.t).toBeGreaterThanOrEqual(retryAfter(refused));
      expect(refused.headers.get('x-ratelimit-reset')).toBe(String(login.t));
    },
  );

  it.skipIf(!available[store])(
    "a login lists both of its limiters' policies; X-RateLimit-* and Retry-After are the per-email one's",
    async () => {
      const client = from();
      const attempt = { email: newAccount('both').email, password: 'wrong-password-1' };
      const first = await api.post('/api/v1/auth/login', attempt, client);
      expect(first.status).toBe(401);
      expect(listOf(first, 'ratelimit-policy')).toEqual([
        ['login-ip', { q: 1000, w: 900 }],
        ['login', { q: 5, w: 900 }],
      ]);
      expect(namesOf(first, 'ratelimit')).toEqual(['login-ip', 'login']);
      expect(limitItem(first, 'login-ip').r).toBe(999);
      expect(limitItem(first, 'login').r).toBe(4);
      // The tightest of the two: 4 of 5 left per (IP, email) against 999 of 1000 per IP.
      expect(first.headers.get('x-ratelimit-limit')).toBe('5');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
      for (let i = 0; i < 4; i++) await api.post('/api/v1/auth/login', attempt, client);
      const refused = await api.post('/api/v1/auth/login', attempt, client);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ policy: 'login' });
      expect(namesOf(refused, 'ratelimit-policy')).toEqual(['login-ip', 'login']);
      expect(namesOf(refused, 'ratelimit')).toEqual(['login-ip', 'login']);
      expect(limitItem(refused, 'login-ip').r).toBe(994);
      const login = limitItem(refused, 'login');
      expect(login.r).toBe(0);
      expect(login.t).toBeGreaterThanOrEqual(retryAfter(refused));
      expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('x-ratelimit-reset')).toBe(String(login.t));
    },
  );

  it.skipIf(!available[store])(
    "the API-key failure throttle's 429 carries its policy in every rate-limit header",
    async () => {
      const client = from();
      // Well-formed keys (the checksum holds) of no stored id: each is a failed verification.
      const guess = () => ({
        headers: {
          ...client.headers,
          'x-api-key': createApiKeyFormat().generate('live', unknownKeyId()),
        },
      });
      for (let i = 0; i < 20; i++) expect((await api.get('/api/v1/me', guess())).status).toBe(401);
      for (const refused of [
        await api.get('/api/v1/me', guess()), // the 21st failure, counted and refused
        await api.get('/api/v1/me', guess()), // refused from memory, before the store
      ]) {
        expect(refused.status).toBe(429);
        expect(refused.body).toMatchObject({ policy: 'api-key-failures' });
        expect(listOf(refused, 'ratelimit-policy')).toEqual([
          ['api-key-failures', { q: 20, w: 60 }],
        ]);
        const item = limitItem(refused, 'api-key-failures');
        expect(item.r).toBe(0);
        expect(item.t).toBeGreaterThanOrEqual(retryAfter(refused));
        expect(refused.headers.get('x-ratelimit-limit')).toBe('20');
        expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
        expect(refused.headers.get('x-ratelimit-reset')).toBe(String(item.t));
      }
    },
  );

  it.skipIf(!available[store])(
    'a body refused before the limits ran (400, 415) gets the per-IP limits, peeked, not counted',
    async () => {
      const client = from();
      const attempt = { email: newAccount('early').email, password: 'wrong-password-1' };
      expect((await api.post('/api/v1/auth/login', attempt, client)).status).toBe(401);
      for (const [path, options, status] of [
        ['/api/v1/auth/login', { ...client, raw: '{"email":' }, 400],
        [
          '/api/v1/auth/login',
          { headers: { ...client.headers, 'content-type': 'text/plain' }, raw: 'x' },
          415,
        ],
      ] as const) {
        const early = await api.post(path, undefined, options);
        expect(early.status).toBe(status);
        // Only the per-IP limit can answer: the per-(IP, email) one needs the body's email.
        expect(listOf(early, 'ratelimit-policy')).toEqual([['login-ip', { q: 1000, w: 900 }]]);
        expect(limitItem(early, 'login-ip').r).toBe(999);
        expect(early.headers.get('x-ratelimit-limit')).toBe('1000');
        expect(early.headers.get('x-ratelimit-remaining')).toBe('999');
        expect(early.headers.get('retry-after')).toBeNull();
      }
      const next = await api.post('/api/v1/auth/login', attempt, client);
      expect(limitItem(next, 'login-ip').r).toBe(998);
      const register = await api.post('/api/v1/auth/register', undefined, { ...client, raw: '[' });
      expect(register.status).toBe(400);
      expect(listOf(register, 'ratelimit-policy')).toEqual([['register', { q: 3, w: 3600 }]]);
      expect(limitItem(register, 'register').r).toBe(3);
    },
  );

  it.skipIf(!available[store])(
    "a refused registration's RateLimit t is no earlier than its Retry-After",
    async () => {
      const client = from();
      for (let i = 0; i < 3; i++) {
        const response = await api.post('/api/v1/auth/register', newAccount('reg'), client);
        expect(response.status).toBe(201);
      }
      const refused = await api.post('/api/v1/auth/register', newAccount('reg'), client);
      expect(refused.status).toBe(429);
      const register = limitItem(refused, 'register');
      expect(register.r).toBe(0);
      expect(register.t).toBeGreaterThanOrEqual(retryAfter(refused));
      expect(refused.headers.get('x-ratelimit-reset')).toBe(String(register.t));
    },
  );
});
