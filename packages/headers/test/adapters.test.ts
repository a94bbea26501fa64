import { rawRequest } from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecurityHeaders, RATE_LIMIT_HEADERS } from '../src/index.js';
import {
  corsCheck,
  preflightCheck,
  readableHeaderNames,
  variesOnOrigin,
} from './helpers/fetch-cors.js';
import { FRAMEWORKS, type TestServer } from './helpers/servers.js';

const APP = 'https://app.example.com';
const API_HEADERS = createSecurityHeaders().record;

/** Every API security header with its exact value, and none of the headers that must go. */
function expectApiHeaders(headers: Record<string, string | string[] | undefined>): void {
  for (const [name, value] of Object.entries(API_HEADERS)) {
    expect(headers[name.toLowerCase()], name).toBe(value);
  }
  expect(headers['x-powered-by']).toBeUndefined();
  expect(headers['x-xss-protection']).toBeUndefined();
}

describe.each(FRAMEWORKS)('%s: security headers on every answer', (_name, start) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ cors: { origins: [APP], credentials: true } });
  });
  afterAll(() => server.close());

  const cases: Array<[string, Parameters<typeof rawRequest>[1], number]> = [
    ['a 200', { path: '/items/1' }, 200],
    [
      'a 201 with a JSON body',
      {
        method: 'POST',
        path: '/items',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      },
      201,
    ],
    ['a 404 problem', { path: '/nowhere' }, 404],
    [
      'a 400 malformed JSON problem',
      {
        method: 'POST',
        path: '/items',
        headers: { 'content-type': 'application/json' },
        body: '{"a":',
      },
      400,
    ],
    [
      'a 415 problem',
      { method: 'POST', path: '/items', headers: { 'content-type': 'text/plain' }, body: 'hi' },
      415,
    ],
    ['a 403 problem thrown by a route', { path: '/forbidden' }, 403],
    ['a 500 problem', { path: '/boom' }, 500],
    ["a 400 from core's strict request check", { path: '/%69tems/1' }, 400],
    [
      'a preflight',
      {
        method: 'OPTIONS',
        path: '/items/1',
        headers: { origin: APP, 'access-control-request-method': 'PUT' },
      },
      204,
    ],
  ];

  it.each(cases)('%s', async (_case, request, status) => {
    const response = await rawRequest(server.port, request);
    expect(response.status).toBe(status);
    expectApiHeaders(response.headers);
    if (status === 500) expect(response.text).not.toContain('hunter2');
  });

  it('gives a problem for an allowed origin its CORS headers, so the page can read it', async () => {
    for (const path of ['/forbidden', '/boom', '/nowhere']) {
      const response = await rawRequest(server.port, { path, headers: { origin: APP } });
      expect(corsCheck({ origin: APP, credentials: 'include' }, response.headers), path).toBe(true);
      expect(response.headers['content-type']).toBe('application/problem+json');
    }
  });

  it('gives a page route the page policy with a fresh nonce that its body uses', async () => {
    const first = await rawRequest(server.port, { path: '/page' });
    const second = await rawRequest(server.port, { path: '/page' });
    const policy = String(first.headers['content-security-policy']);
    const nonce = /'nonce-([A-Za-z0-9+/]{22}==)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(first.text).toBe(`<script nonce="${nonce}">1</script>`);
    expect(policy).toContain(`script-src 'self' 'nonce-${nonce}'`);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(second.headers['content-security-policy']).not.toBe(policy);
    const { 'Content-Security-Policy': _apiPolicy, ...rest } = API_HEADERS;
    for (const [name, value] of Object.entries(rest)) {
      expect(first.headers[name.toLowerCase()], name).toBe(value);
    }
  });
});

describe.each(FRAMEWORKS)('%s: CORS as a browser sees it (Fetch standard)', (_name, start) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ cors: { origins: [APP, 'http://localhost:5173'], credentials: true } });
  });
  afterAll(() => server.close());

  const preflight = (origin: string, method: string, headerNames: string[]) =>
    rawRequest(server.port, {
      method: 'OPTIONS',
      path: '/items/7',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': headerNames.join(',').toLowerCase(),
      },
    });

  it('passes the preflight of a credentialed PUT with the Rampart headers, without reaching a route', async () => {
    const headerNames = [
      'Authorization',
      'Content-Type',
      'X-API-Key',
      'Idempotency-Key',
      'X-Nonce',
      'Signature-Input',
    ];
    const response = await preflight(APP, 'PUT', headerNames);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(
      preflightCheck(
        { origin: APP, credentials: 'include', method: 'PUT', headerNames },
        response.status,
        response.headers,
      ),
    ).toBe(true);
    expect(variesOnOrigin(response.headers)).toBe(true);
    // A preflight is answered by the CORS layer on any path: a guarded or unknown route alike.
    for (const path of ['/forbidden', '/nowhere']) {
      const other = await rawRequest(server.port, {
        method: 'OPTIONS',
        path,
        headers: { origin: APP, 'access-control-request-method': 'GET' },
      });
      expect(other.status, path).toBe(204);
    }
  });

  it('fails the preflight of a header or method it does not allow', async () => {
    const custom = await preflight(APP, 'PUT', ['X-Custom']);
    expect(
      preflightCheck(
        { origin: APP, credentials: 'include', method: 'PUT', headerNames: ['X-Custom'] },
        custom.status,
        custom.headers,
      ),
    ).toBe(false);
    const trace = await preflight(APP, 'PROPFIND', []);
    expect(
      preflightCheck(
        { origin: APP, credentials: 'include', method: 'PROPFIND', headerNames: [] },
        trace.status,
        trace.headers,
      ),
    ).toBe(false);
  });

  it('shares an actual response with the allowed origin and lets it read the rate-limit headers', async () => {
    for (const origin of [APP, 'http://localhost:5173']) {
      const response = await rawRequest(server.port, { path: '/items/7', headers: { origin } });
      expect(response.status).toBe(200);
      expect(corsCheck({ origin, credentials: 'include' }, response.headers)).toBe(true);
      const readable = readableHeaderNames({ origin, credentials: 'include' }, response.headers);
      for (const name of RATE_LIMIT_HEADERS)
        expect(readable.has(name.toLowerCase()), name).toBe(true);
      expect(variesOnOrigin(response.headers)).toBe(true);
    }
  });

  it('says Vary: Origin on an answer without an Origin too, so no cache hands it to a page', async () => {
    const response = await rawRequest(server.port, { path: '/items/7' });
    expect(variesOnOrigin(response.headers)).toBe(true);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['/negotiated', 'accept-encoding'],
    ['/negotiated-head', 'accept-language'],
  ])(
    "keeps Vary: Origin when the handler of %s sets its own Vary, and keeps the handler's",
    async (path, own) => {
      for (const origin of [APP, undefined]) {
        const response = await rawRequest(server.port, {
          path,
          headers: origin === undefined ? {} : { origin },
        });
        expect(response.status).toBe(200);
        expect(variesOnOrigin(response.headers), `${path} from ${origin}`).toBe(true);
        const fields = String(response.headers.vary)
          .split(',')
          .map((field) => field.trim().toLowerCase());
        expect(fields).toContain(own);
        expect(fields.filter((field) => field === 'origin')).toHaveLength(1);
      }
    },
  );

  const foreign = [
    'https://evil.test',
    'https://app.example.com.evil.test',
    'https://evilapp.example.com',
    'http://app.example.com',
    'https://app.example.com:8443',
    'https://app.example.com/',
    'HTTPS://APP.EXAMPLE.COM',
    'null',
    'https://app.example.com, https://evil.test',
    '*',
    '',
  ];

  it.each(foreign)('gives %j no CORS headers and no error', async (origin) => {
    const actual = await rawRequest(server.port, { path: '/items/7', headers: { origin } });
    expect(actual.status).toBe(200);
    expect(
      Object.keys(actual.headers).filter((name) => name.startsWith('access-control-')),
    ).toEqual([]);
    expect(corsCheck({ origin, credentials: 'include' }, actual.headers)).toBe(false);
    expect(corsCheck({ origin, credentials: 'same-origin' }, actual.headers)).toBe(false);
    const pre = await preflight(origin, 'GET', ['Authorization']);
    expect(pre.status).toBe(204);
    expect(Object.keys(pre.headers).filter((name) => name.startsWith('access-control-'))).toEqual(
      [],
    );
    expect(
      preflightCheck(
        { origin, credentials: 'include', method: 'GET', headerNames: ['Authorization'] },
        pre.status,
        pre.headers,
      ),
    ).toBe(false);
  });
});

describe.each(FRAMEWORKS)('%s: origins read at runtime', (_name, start) => {
  let origins: readonly string[] = [APP];
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ cors: { origins: () => origins, credentials: true } });
  });
  afterAll(() => server.close());

  it('sees a change of the list on the next request', async () => {
    const other = 'https://admin.example.com';
    const allowed = async (origin: string) =>
      corsCheck(
        { origin, credentials: 'include' },
        (await rawRequest(server.port, { path: '/items/1', headers: { origin } })).headers,
      );
    expect(await allowed(APP)).toBe(true);
    expect(await allowed(other)).toBe(false);
    origins = [other];
    expect(await allowed(APP)).toBe(false);
    expect(await allowed(other)).toBe(true);
    // An entry that is not an exact origin is skipped, never read as a wildcard.
    origins = ['*', 'null', 'https://admin.example.com/'];
    expect(await allowed(other)).toBe(false);
    expect(await allowed('null')).toBe(false);
  });
});

describe.each(FRAMEWORKS)('%s: any origin, without credentials', (_name, start) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ cors: { origins: '*' } });
  });
  afterAll(() => server.close());

  it('shares public answers with every origin and never with credentials', async () => {
    const origin = 'https://anyone.test';
    const response = await rawRequest(server.port, { path: '/items/1', headers: { origin } });
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(corsCheck({ origin, credentials: 'same-origin' }, response.headers)).toBe(true);
    expect(corsCheck({ origin, credentials: 'include' }, response.headers)).toBe(false);
  });
});
