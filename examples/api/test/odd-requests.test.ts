import { request as httpRequest } from 'node:http';
import { type RawHttpResponse, rawHttp, rawRequestText } from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, type Framework } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, newAccount, testSecrets } from './api-client.js';

// The apps run as child processes (tsx compiling on the fly): seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

/**
 * Requests that Express and Fastify used to read two ways (issue 14, items 2, 3 and 5), sent as
 * raw bytes to both frameworks: each must get the answer named here, and the same answer on both.
 */

const JSON_TYPE = 'Content-Type: application/json';
const TEXT_TYPE = 'Content-Type: text/plain';
const LOGIN_BODY = '{"email":"nobody@example.com","password":"wrong-password-1"}';

function request(method: string, target: string, headers: string[] = [], body?: string): string {
  return rawRequestText(method, target, headers, body, 'api.test');
}

/** [what is sent, the raw request, the status, the problem code or "health" for the 200] */
type Case = readonly [string, string, number, string];

const CASES: readonly Case[] = [
  // Item 5: paths. Fastify decoded needless escapes and reached the route; Express answered 404.
  [
    'POST /api/v1/auth/%6cogin',
    request('POST', '/api/v1/auth/%6cogin', [JSON_TYPE], LOGIN_BODY),
    400,
    'ERR_INVALID_PATH',
  ],
  [
    'POST /api/v1/auth/log%69n',
    request('POST', '/api/v1/auth/log%69n', [JSON_TYPE], LOGIN_BODY),
    400,
    'ERR_INVALID_PATH',
  ],
  [
    'GET /api/v1/entities/%61bc/records',
    request('GET', '/api/v1/entities/%61bc/records'),
    400,
    'ERR_INVALID_PATH',
  ],
  ['GET /%2e%2e/health', request('GET', '/%2e%2e/health'), 400, 'ERR_INVALID_PATH'],
  // `/%zz` was 404 on Express, 400 ERR_BAD_REQUEST on Fastify.
  ['GET /%zz', request('GET', '/%zz'), 400, 'ERR_INVALID_PATH'],
  [
    'GET /api/v1/entities/%zz/records',
    request('GET', '/api/v1/entities/%zz/records'),
    400,
    'ERR_INVALID_PATH',
  ],
  [
    'GET /api/v1/entities/%ff/records (not UTF-8)',
    request('GET', '/api/v1/entities/%ff/records'),
    400,
    'ERR_INVALID_PATH',
  ],
  // Escapes a client must send still reach the route on both (its guard answers).
  [
    'GET /api/v1/entities/a%20b/records',
    request('GET', '/api/v1/entities/a%20b/records'),
    401,
    'ERR_AUTH_REQUIRED',
  ],
  ['GET /health?x=%zz (the query is not the path)', request('GET', '/health?x=%zz'), 200, 'health'],
  ['GET /Health', request('GET', '/Health'), 404, 'ERR_NOT_FOUND'],
  ['GET /health/', request('GET', '/health/'), 404, 'ERR_NOT_FOUND'],
  [
    'GET http://other.example/health (absolute form)',
    request('GET', 'http://other.example/health'),
    200,
    'health',
  ],
  // Express routed these (its router reads a path out of anything url.parse accepts); Fastify 400.
  [
    'GET http://other.example:99999/health (a port out of range)',
    request('GET', 'http://other.example:99999/health'),
    400,
    'ERR_INVALID_PATH',
  ],
  [
    'GET ftp://other.example/health',
    request('GET', 'ftp://other.example/health'),
    400,
    'ERR_INVALID_PATH',
  ],
  // url.parse throws on it: Express's router skipped every middleware and finalhandler sent HTML.
  ['GET http://[::1/health', request('GET', 'http://[::1/health'), 400, 'ERR_INVALID_PATH'],
  // Item 5: methods. QUERY was 400 on Fastify, 404 on Express.
  [
    'QUERY /api/v1/auth/login',
    request('QUERY', '/api/v1/auth/login'),
    400,
    'ERR_METHOD_NOT_SUPPORTED',
  ],
  [
    'QUERY /nowhere with a JSON body',
    request('QUERY', '/nowhere', [JSON_TYPE], '{}'),
    400,
    'ERR_METHOD_NOT_SUPPORTED',
  ],
  ['TRACE /health', request('TRACE', '/health'), 400, 'ERR_METHOD_NOT_SUPPORTED'],
  ['PROPFIND /health', request('PROPFIND', '/health'), 400, 'ERR_METHOD_NOT_SUPPORTED'],
  ['PUT /health (a method served, no route)', request('PUT', '/health'), 404, 'ERR_NOT_FOUND'],
  ['BREW /health (unknown to Node)', request('BREW', '/health'), 400, 'ERR_MALFORMED_REQUEST'],
  [
    'GET /he alth (malformed request line)',
    request('GET', '/he alth'),
    400,
    'ERR_MALFORMED_REQUEST',
  ],
  // Item 2: singleton headers. JSON-then-text was read as JSON, text-then-JSON refused with 415.
  [
    'Content-Type JSON, then text',
    request('POST', '/api/v1/auth/login', [JSON_TYPE, TEXT_TYPE], LOGIN_BODY),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'Content-Type text, then JSON',
    request('POST', '/api/v1/auth/login', [TEXT_TYPE, JSON_TYPE], LOGIN_BODY),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'two Authorization headers',
    request('GET', '/api/v1/me', ['Authorization: Bearer a', 'Authorization: Bearer b']),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'two X-Api-Key headers',
    request('GET', '/health', ['X-Api-Key: a', 'x-api-key: b']),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'two Host headers',
    request('GET', '/health', ['HOST: evil.example']),
    400,
    'ERR_HEADER_REPEATED',
  ],
  [
    'two Content-Length headers',
    request(
      'POST',
      '/api/v1/auth/login',
      [JSON_TYPE, `Content-Length: ${LOGIN_BODY.length}`],
      LOGIN_BODY,
    ),
    400,
    'ERR_MALFORMED_REQUEST',
  ],
  [
    'two Cookie headers (one list, not refused)',
    request('GET', '/health', ['Cookie: a=1', 'Cookie: b=2']),
    200,
    'health',
  ],
  // Node answered these two itself, below both frameworks: an empty 400 and an empty 417.
  [
    'HTTP/1.1 without Host',
    'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n',
    400,
    'ERR_MALFORMED_REQUEST',
  ],
  ['HTTP/1.0 without Host (allowed)', 'GET /health HTTP/1.0\r\n\r\n', 200, 'health'],
  [
    'Expect: foo (an expectation the server cannot meet)',
    request('GET', '/health', ['Expect: foo']),
    417,
    'ERR_EXPECTATION_FAILED',
  ],
  [
    'Expect: foo without Host (Host is checked first, as Node does)',
    'GET /health HTTP/1.1\r\nExpect: foo\r\nConnection: close\r\n\r\n',
    400,
    'ERR_MALFORMED_REQUEST',
  ],
  [
    'Expect: foo on HTTP/1.0 (ignored, as Node does)',
    'GET /health HTTP/1.0\r\nExpect: foo\r\n\r\n',
    200,
    'health',
  ],
];

const apps = {} as Record<Framework, AppProcess>;
const ports = {} as Record<Framework, number>;
const secrets = {} as Record<Framework, Record<string, string>>;

beforeAll(async () => {
  await Promise.all(
    FRAMEWORKS.map(async (framework) => {
      secrets[framework] = testSecrets();
      const app = await startApp({
        args: ['--port', '0', '--framework', framework],
        env: secrets[framework],
      });
      apps[framework] = app;
      ports[framework] = Number(new URL(app.url).port);
    }),
  );
});
afterAll(async () => {
  for (const app of Object.values(apps)) expect(await app.stop()).toBe(0);
});

function body(response: RawHttpResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

interface ContinuedAnswer {
  /** Whether the server sent `100 Continue` before the client sent its body. */
  continued: boolean;
  status: number;
  body: Record<string, unknown>;
}

/** A JSON POST that sends `Expect: 100-continue` and holds its body until the server asks. */
function postAfterContinue(url: URL, text: string): Promise<ContinuedAnswer> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const outgoing = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        expect: '100-continue',
      },
    });
    outgoing.on('continue', () => {
      continued = true;
      outgoing.end(text);
    });
    outgoing.on('response', (response) => {
      let received = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        received += chunk;
      });
      response.on('end', () => {
        if (!continued) outgoing.destroy();
        resolve({ continued, status: response.statusCode ?? 0, body: JSON.parse(received) });
      });
    });
    outgoing.on('error', reject);
    outgoing.flushHeaders();
  });
}

describe(`odd requests answer alike on ${FRAMEWORKS.join(' and ')}`, () => {
  const rows = CASES.map(([name, raw, status, expected]) => ({ name, raw, status, expected }));
  it.each(rows)('$name → $status $expected', async ({ raw, status, expected }) => {
    const answers = await Promise.all(
      FRAMEWORKS.map((framework) => rawHttp(ports[framework], raw)),
    );
    for (const [index, response] of answers.entries()) {
      const where = `${FRAMEWORKS[index]}: ${response.body}`;
      expect(response.status, where).toBe(status);
      expect(response.socketError, where).toBeNull();
      expect(response.headers['x-content-type-options'], where).toBe('nosniff');
      if (status === 200) {
        expect(body(response), where).toEqual({ status: 'ok', store: 'memory' });
        continue;
      }
      expect(response.headers['content-type'], where).toBe('application/problem+json');
      expect(response.headers['content-length'], where).toBe(
        String(Buffer.byteLength(response.body)),
      );
      expect(body(response).code, where).toBe(expected);
    }
    const [first, ...others] = answers.map(body);
    for (const other of others) expect(other).toEqual(first);
  });

  it.each(FRAMEWORKS)(
    'a login POST with Expect: 100-continue gets 100 Continue, then logs in, on %s',
    async (framework) => {
      const account = newAccount('continue');
      await new ApiClient(apps[framework].url, secrets[framework]).register(account);
      const answer = await postAfterContinue(
        new URL('/api/v1/auth/login', apps[framework].url),
        JSON.stringify(account),
      );
      expect(answer, JSON.stringify(answer.body)).toMatchObject({ continued: true, status: 200 });
      expect(typeof answer.body.accessToken).toBe('string');
    },
  );

  it.each(FRAMEWORKS)(
    'a 100 KB header → a 431 problem that fetch reads as a status on %s',
    async (framework) => {
      const response = await fetch(new URL('/health', apps[framework].url), {
        headers: { 'x-padding': 'a'.repeat(100 * 1024) },
      });
      expect(response.status).toBe(431);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('connection')).toBe('close');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const text = await response.text();
      expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      expect(JSON.parse(text)).toMatchObject({ status: 431, code: 'ERR_HEADERS_TOO_LARGE' });
    },
  );
});
