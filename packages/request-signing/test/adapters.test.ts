import type { OutgoingHttpHeaders } from 'node:http';
import { MemoryNonceStore } from '@rampart/core';
import { rawRequest } from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignedFetch, signRequest } from '../src/client.js';
import { type Framework, startApp, type TestApp } from './apps.js';
import { freshNonce, KEY_ID, NOW, SECRET, signV1, type V1Fields } from './helpers.js';

const PATH = '/api/v1/entities/e1/records?a=1&b=2';
const BODY = '{"data":{"temperature":21}}';

interface Attempt {
  method: string;
  path: string;
  body: string;
  headers: OutgoingHttpHeaders;
}

/** A correctly signed JSON request; each refusal below changes one thing about it. */
function signedAttempt(fields: V1Fields = {}): Attempt {
  const method = fields.method ?? 'POST';
  const path = fields.target ?? PATH;
  const body = (fields.body as string | undefined) ?? BODY;
  return {
    method,
    path,
    body,
    headers: {
      'content-type': 'application/json',
      ...signV1({ method, target: path, body, ...fields }),
    },
  };
}

/** Signs `timestamp` as given (so only its format can be the reason for a refusal). */
function withTimestamp(timestamp: string): Attempt {
  return signedAttempt({ timestamp });
}

function withSignature(edit: (hex: string) => string): Attempt {
  const attempt = signedAttempt();
  attempt.headers['x-signature'] = edit(attempt.headers['x-signature'] as string);
  return attempt;
}

const REFUSALS: ReadonlyArray<readonly [string, () => Attempt, string]> = [
  [
    'a timestamp 301 s in the past',
    () => withTimestamp(String(NOW - 301_000)),
    'ERR_TIMESTAMP_OUT_OF_RANGE',
  ],
  [
    'a timestamp 301 s in the future',
    () => withTimestamp(String(NOW + 301_000)),
    'ERR_TIMESTAMP_OUT_OF_RANGE',
  ],
  [
    'seconds where milliseconds are expected',
    () => withTimestamp(String(NOW / 1000)),
    'ERR_TIMESTAMP_OUT_OF_RANGE',
  ],
  ['an empty timestamp', () => withTimestamp(''), 'ERR_SIGNATURE_HEADERS'],
  ['a zero-padded timestamp', () => withTimestamp(`0${NOW}`), 'ERR_SIGNATURE_HEADERS'],
  [
    'a timestamp padded inside',
    () => withTimestamp(`${String(NOW).slice(0, 5)} ${String(NOW).slice(5)}`),
    'ERR_SIGNATURE_HEADERS',
  ],
  ['a timestamp with a + sign', () => withTimestamp(`+${NOW}`), 'ERR_SIGNATURE_HEADERS'],
  ['a timestamp with a - sign', () => withTimestamp(`-${NOW}`), 'ERR_SIGNATURE_HEADERS'],
  ['a hex timestamp', () => withTimestamp(`0x${NOW.toString(16)}`), 'ERR_SIGNATURE_HEADERS'],
  ['an exponent timestamp', () => withTimestamp(`${NOW / 1e9}e9`), 'ERR_SIGNATURE_HEADERS'],
  ['a fractional timestamp', () => withTimestamp(`${NOW}.5`), 'ERR_SIGNATURE_HEADERS'],
  [
    'a one-byte body change',
    () => ({ ...signedAttempt(), body: BODY.replace('21', '22') }),
    'ERR_SIGNATURE_INVALID',
  ],
  [
    'a changed query order',
    () => ({ ...signedAttempt(), path: '/api/v1/entities/e1/records?b=2&a=1' }),
    'ERR_SIGNATURE_INVALID',
  ],
  [
    'a changed path case',
    () => ({ ...signedAttempt(), path: '/api/v1/entities/E1/records?a=1&b=2' }),
    'ERR_SIGNATURE_INVALID',
  ],
  [
    'a method other than the one signed',
    () => ({ ...signedAttempt(), method: 'PUT' }),
    'ERR_SIGNATURE_INVALID',
  ],
  [
    'two X-Signature headers',
    () => {
      const attempt = signedAttempt();
      const good = attempt.headers['x-signature'] as string;
      attempt.headers['x-signature'] = [good, good];
      return attempt;
    },
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'a base64 signature',
    () => withSignature((hex) => Buffer.from(hex, 'hex').toString('base64')),
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'a base64url signature',
    () => withSignature((hex) => Buffer.from(hex, 'hex').toString('base64url')),
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'an upper-case hex signature',
    () => withSignature((hex) => hex.toUpperCase()),
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'a signature one character short',
    () => withSignature((hex) => hex.slice(0, 63)),
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'a signature one character long',
    () => withSignature((hex) => `${hex}0`),
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'a truncated (16-byte) signature',
    () => withSignature((hex) => hex.slice(0, 32)),
    'ERR_SIGNATURE_HEADERS',
  ],
  ['an unknown key id', () => signedAttempt({ keyId: 'client-z' }), 'ERR_SIGNATURE_INVALID'],
  [
    'a missing X-Nonce',
    () => {
      const attempt = signedAttempt();
      delete attempt.headers['x-nonce'];
      return attempt;
    },
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'a 15-character nonce',
    () => signedAttempt({ nonce: 'abcdefghijklmno' }),
    'ERR_SIGNATURE_HEADERS',
  ],
  [
    'a nonce with a dot',
    () => signedAttempt({ nonce: 'abcdefghijklmnop.' }),
    'ERR_SIGNATURE_HEADERS',
  ],
];

const clockNow = { value: NOW };
const clock = { now: () => clockNow.value };

describe.each<Framework>(['express', 'fastify'])('%s adapter on a real server', (framework) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(framework, { nonceStore: new MemoryNonceStore(), clock });
  });
  afterAll(async () => {
    await app?.close();
  });

  const send = (attempt: Attempt) => rawRequest(app.port, attempt);

  it('accepts a signed JSON request and refuses its replay', async () => {
    const attempt = signedAttempt();
    const first = await send(attempt);
    expect(first.status).toBe(201);
    expect(first.json()).toEqual({
      keyId: KEY_ID,
      scheme: 'rampart-v1',
      data: { temperature: 21 },
    });
    const replay = await send(attempt);
    expect(replay.status).toBe(401);
    expect(replay.json().code).toBe('ERR_NONCE_REPLAYED');
  });

  it.each(REFUSALS)('refuses %s with a 401 problem', async (_name, make, code) => {
    const response = await send(make());
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['www-authenticate']).toBe('Signature');
    expect(response.json()).toMatchObject({ status: 401, code });
  });

  it('answers an unknown key id and a bad signature with the same body', async () => {
    const unknown = await send(signedAttempt({ keyId: 'client-z' }));
    const bad = await send(signedAttempt({ secret: Buffer.alloc(32, 3).toString('base64url') }));
    expect(unknown.text).toBe(bad.text);
  });

  it('accepts a pretty-printed JSON body signed by the client', async () => {
    const body = JSON.stringify({ data: { temperature: 21, unit: 'C' } }, null, 2);
    const headers = await signRequest({
      method: 'POST',
      url: `http://127.0.0.1:${app.port}${PATH}`,
      body,
      keyId: KEY_ID,
      secret: SECRET,
      now: NOW,
    });
    const response = await send({
      method: 'POST',
      path: PATH,
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(response.status).toBe(201);
    expect(response.json().data).toEqual({ temperature: 21, unit: 'C' });
  });

  it.each(['rampart-v1', 'rfc9421'] as const)(
    'accepts requests from createSignedFetch (%s)',
    async (scheme) => {
      clockNow.value = Date.now();
      try {
        const signedFetch = createSignedFetch(fetch, { keyId: KEY_ID, secret: SECRET, scheme });
        const response = await signedFetch(`http://127.0.0.1:${app.port}${PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ data: { n: 1 } }, null, 4),
        });
        expect(response.status).toBe(201);
        expect(await response.json()).toEqual({ keyId: KEY_ID, scheme, data: { n: 1 } });
        const get = await signedFetch(`http://127.0.0.1:${app.port}/api/v1/things?x=%20y`);
        expect(get.status).toBe(200);
      } finally {
        clockNow.value = NOW;
      }
    },
  );

  it('verifies a raw (octet-stream) body', async () => {
    const body = Buffer.from([0, 1, 2, 250, 251, 252]);
    const headers = signV1({ method: 'POST', target: '/raw', body });
    const ok = await rawRequest(app.port, {
      method: 'POST',
      path: '/raw',
      body,
      headers: { 'content-type': 'application/octet-stream', ...headers },
    });
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ keyId: KEY_ID, bytes: 6 });
    const tampered = await rawRequest(app.port, {
      method: 'POST',
      path: '/raw',
      body: Buffer.from([0, 1, 2, 250, 251, 253]),
      headers: {
        'content-type': 'application/octet-stream',
        ...signV1({ method: 'POST', target: '/raw', body }),
      },
    });
    expect(tampered.status).toBe(401);
  });

  it('refuses a body attached to a signed bodiless request', async () => {
    const headers = signV1({ method: 'PUT', target: PATH, body: '' });
    const response = await send({
      method: 'PUT',
      path: PATH,
      body: BODY,
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(response.status).toBe(401);
    expect(response.json().code).toBe('ERR_SIGNATURE_INVALID');
  });

  it('lets exactly one of 50 concurrent copies of a signed request through', async () => {
    const attempt = signedAttempt({ nonce: freshNonce() });
    const responses = await Promise.all(Array.from({ length: 50 }, () => send(attempt)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(49);
    expect(new Set(responses.filter((r) => r.status === 401).map((r) => r.json().code))).toEqual(
      new Set(['ERR_NONCE_REPLAYED']),
    );
  });
});
