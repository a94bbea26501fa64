import { type RawResponse, rawRequest } from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, type Framework } from '../src/config.js';
import { type AppProcess, runAppToExit, startApp } from '../src/demo/app-process.js';
import { API_SECURITY_HEADERS } from '../src/headers/security-layers.js';
import { testSecrets } from './api-client.js';

// The app runs as a child process (tsx compiling on the fly): seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const APP = 'https://app.example.com';
const SECOND = 'http://localhost:5173';
/** EXAMPLE-API.md, "Security headers and CORS": the request headers a preflight allows. */
const ALLOWED_REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-API-Key',
  'Idempotency-Key',
  'X-Key-Id',
  'X-Nonce',
  'X-Timestamp',
  'X-Signature',
  'Signature',
  'Signature-Input',
  'Content-Digest',
];
/** …and the response headers a page may read. */
const EXPOSED = [
  'RateLimit',
  'RateLimit-Policy',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
];

function listOf(value: string | string[] | undefined): string[] {
  return String(value ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
}

function corsHeaderNames(response: RawResponse): string[] {
  return Object.keys(response.headers).filter((name) => name.startsWith('access-control-'));
}

const apps = {} as Record<Framework, AppProcess>;
const ports = {} as Record<Framework, number>;

beforeAll(async () => {
  await Promise.all(
    FRAMEWORKS.map(async (framework) => {
      const app = await startApp({
        args: ['--port', '0', '--framework', framework],
        env: { ...testSecrets(), CORS_ORIGINS: `${APP}, ${SECOND}` },
      });
      apps[framework] = app;
      ports[framework] = Number(new URL(app.url).port);
    }),
  );
});
afterAll(async () => {
  for (const app of Object.values(apps)) expect(await app.stop()).toBe(0);
});

describe.each(FRAMEWORKS)('security headers and CORS on %s', (framework) => {
  const send = (options: Parameters<typeof rawRequest>[1]) => rawRequest(ports[framework], options);

  it.each([
    ['GET /health', { path: '/health' }, 200],
    ['an unknown route', { path: '/api/v1/no-such-route' }, 404],
    ['a route without its token', { path: '/api/v1/me' }, 401],
    [
      'malformed JSON',
      {
        method: 'POST',
        path: '/api/v1/auth/refresh',
        headers: { 'content-type': 'application/json' },
        body: '{"refreshToken": ',
      },
      400,
    ],
  ])('%s carries every security header of the api preset', async (_case, request, status) => {
    const response = await send(request);
    expect(response.status).toBe(status);
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) {
      expect(response.headers[name.toLowerCase()], name).toBe(value);
    }
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('answers a preflight from a CORS_ORIGINS origin 204 with the contract headers', async () => {
    const response = await send({
      method: 'OPTIONS',
      path: '/api/v1/auth/login',
      headers: {
        origin: SECOND,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization,idempotency-key',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(SECOND);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(listOf(response.headers['access-control-allow-headers'])).toEqual(
      ALLOWED_REQUEST_HEADERS.map((name) => name.toLowerCase()),
    );
    expect(listOf(response.headers['access-control-allow-methods'])).toContain('post');
    expect(listOf(response.headers.vary)).toContain('origin');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('shares answers, problems included, with a CORS_ORIGINS origin and exposes the rate-limit headers', async () => {
    for (const path of ['/health', '/api/v1/me']) {
      const response = await send({ path, headers: { origin: APP } });
      expect(response.headers['access-control-allow-origin'], path).toBe(APP);
      expect(response.headers['access-control-allow-credentials'], path).toBe('true');
      expect(listOf(response.headers['access-control-expose-headers']), path).toEqual(
        EXPOSED.map((name) => name.toLowerCase()),
      );
      expect(listOf(response.headers.vary), path).toContain('origin');
    }
  });

  it.each(['https://evil.test', 'https://app.example.com.evil.test', 'null', `${APP}/`])(
    'gives %j no CORS headers and never a 500',
    async (origin) => {
      const actual = await send({ path: '/health', headers: { origin } });
      expect(actual.status).toBe(200);
      expect(corsHeaderNames(actual)).toEqual([]);
      const preflight = await send({
        method: 'OPTIONS',
        path: '/api/v1/auth/login',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(corsHeaderNames(preflight)).toEqual([]);
    },
  );
});

describe('CORS_ORIGINS at start-up', () => {
  it.each(['*', 'https://app.example.com/', 'app.example.com', 'https://*.example.com'])(
    'refuses %j with exit code 2 and a line naming it',
    async (value) => {
      const exit = await runAppToExit({
        args: ['--port', '0'],
        env: { ...testSecrets(), CORS_ORIGINS: value },
      });
      expect(exit.code).toBe(2);
      expect(exit.stderr).toContain('CORS_ORIGINS');
    },
  );
});
