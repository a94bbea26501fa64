import type { AddressInfo } from 'node:net';
import { createFakeClock, MemoryNonceStore } from '@rampart/core';
import { jsonBody, problemErrorHandler } from '@rampart/core/express';
import { rawRequest } from '@rampart/test-utils';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { requestSigning } from '../src/express.js';
import { createRequestVerifier, staticSigningSecrets } from '../src/index.js';
import { buildFastify } from './apps.js';
import { KEY_ID, NOW, SECRET, signV1 } from './helpers.js';

const BODY = '{"data":{"temperature":21}}';
const PATH = '/api/v1/entities/e1/records';

function verifier() {
  return createRequestVerifier({
    getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
    nonceStore: new MemoryNonceStore(),
    clock: createFakeClock(NOW),
  });
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(app: express.Express): Promise<number> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('Fastify through inject', () => {
  it('accepts a signed request and refuses its replay', async () => {
    const app = await buildFastify(verifier());
    closers.push(() => app.close());
    const headers = { 'content-type': 'application/json', ...signV1({ target: PATH, body: BODY }) };
    const first = await app.inject({ method: 'POST', url: PATH, headers, payload: BODY });
    expect(first.statusCode).toBe(201);
    const replay = await app.inject({ method: 'POST', url: PATH, headers, payload: BODY });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('ERR_NONCE_REPLAYED');
  });

  it('leaves routes without requestSigning config alone', async () => {
    const app = await buildFastify(verifier());
    app.get('/open', async (request) => ({ signed: request.signedRequest }));
    closers.push(() => app.close());
    const response = await app.inject({ method: 'GET', url: '/open' });
    expect(response.json()).toEqual({ signed: null });
  });
});

describe('Express adapter options', () => {
  it('forwards refusals to the error handler with forwardErrors', async () => {
    const app = express();
    app.use(jsonBody());
    app.post(PATH, requestSigning({ verifier: verifier(), forwardErrors: true }), (_req, res) => {
      res.sendStatus(201);
    });
    app.use(problemErrorHandler({ log: () => {} }));
    const port = await listen(app);
    const response = await rawRequest(port, {
      method: 'POST',
      path: PATH,
      body: BODY,
      headers: {
        'content-type': 'application/json',
        ...signV1({ target: PATH, body: `${BODY} ` }),
      },
    });
    expect(response.status).toBe(401);
    expect(response.json().code).toBe('ERR_SIGNATURE_INVALID');
  });

  it('refuses to verify a body that was parsed without its bytes (misconfiguration)', async () => {
    const app = express();
    app.use(express.json());
    app.post(PATH, requestSigning({ verifier: verifier() }), (_req, res) => {
      res.sendStatus(201);
    });
    const port = await listen(app);
    // Signed as bodiless: were the missing bytes taken for "no body", this would pass.
    const response = await rawRequest(port, {
      method: 'POST',
      path: PATH,
      body: BODY,
      headers: { 'content-type': 'application/json', ...signV1({ target: PATH, body: '' }) },
    });
    expect(response.status).toBe(500);
    expect(response.json().code).toBe('ERR_SIGNATURE_BODY_NOT_CAPTURED');
  });

  it('creates its verifier from options and reports the client IP in events', async () => {
    const events: Array<{ ip?: string; route?: string }> = [];
    const app = express();
    app.use(jsonBody());
    app.post(
      PATH,
      requestSigning({
        getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
        nonceStore: new MemoryNonceStore(),
        clock: createFakeClock(NOW),
        onEvent: (event) => events.push(event),
      }),
      (_req, res) => {
        res.sendStatus(201);
      },
    );
    const port = await listen(app);
    const response = await rawRequest(port, {
      method: 'POST',
      path: PATH,
      body: BODY,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(401);
    expect(events).toEqual([expect.objectContaining({ ip: '127.0.0.1', route: PATH })]);
  });
});
