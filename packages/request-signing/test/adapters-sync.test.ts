import {
  createFakeClock,
  MemoryNonceStore,
  type NonceStore,
  RampartConfigError,
} from '@rampart/core';
import type { NextFunction, Request, Response } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { requestSigning } from '../src/express.js';
import { fastifyRequestSigning, requestSigningPreHandler } from '../src/fastify.js';
import { createRequestVerifier, staticSigningSecrets } from '../src/index.js';
import { KEY_ID, NOW, SECRET, signV1 } from './helpers.js';

const BODY = '{"data":{"temperature":21}}';
const PATH = '/api/v1/entities/e1/records';

function verifier(nonceStore: NonceStore = new MemoryNonceStore()) {
  return createRequestVerifier({
    getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
    nonceStore,
    clock: createFakeClock(NOW),
  });
}

/** An asynchronous store: every claim answers after a macrotask. */
function slowStore(): NonceStore {
  const memory = new MemoryNonceStore();
  return {
    claim: (scope, nonce, ttl) =>
      new Promise((resolve) => setImmediate(() => resolve(memory.claim(scope, nonce, ttl)))),
  };
}

/** The raw request fields both adapters read, for a request signed over BODY. */
function rawFields() {
  const headers = { 'content-type': 'application/json', ...signV1({ target: PATH, body: BODY }) };
  return {
    method: 'POST',
    rawHeaders: Object.entries(headers).flat(),
    socket: { remoteAddress: '127.0.0.1' },
    rawBody: Buffer.from(BODY),
    body: JSON.parse(BODY),
  };
}

function expressRequest(): Request {
  const fields = rawFields();
  return { ...fields, url: PATH, originalUrl: PATH } as unknown as Request;
}

function fastifyRequest(): FastifyRequest {
  const fields = rawFields();
  return {
    ...fields,
    url: PATH,
    raw: { rawHeaders: fields.rawHeaders },
    clientIp: '127.0.0.1',
    routeOptions: { url: PATH, config: { requestSigning: true } },
    signedRequest: null,
  } as unknown as FastifyRequest;
}

describe('the adapters on a synchronous nonce store', () => {
  it('Express calls next() before the middleware returns', () => {
    const req = expressRequest();
    const next = vi.fn();
    requestSigning({ verifier: verifier() })(req, {} as Response, next as NextFunction);
    expect(next).toHaveBeenCalledWith();
    expect(req.signedRequest).toMatchObject({ keyId: KEY_ID, scheme: 'rampart-v1' });
  });

  it('Express waits for an asynchronous store before next()', async () => {
    const req = expressRequest();
    const next = vi.fn();
    requestSigning({ verifier: verifier(slowStore()) })(req, {} as Response, next as NextFunction);
    expect(next).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(next).toHaveBeenCalledWith());
    expect(req.signedRequest).toMatchObject({ keyId: KEY_ID });
  });

  it('the Fastify preHandler calls done() before it returns, and done(error) for a replay', () => {
    const hook = requestSigningPreHandler({ verifier: verifier() });
    const request = fastifyRequest();
    const done = vi.fn();
    hook.call(undefined as never, request, {} as FastifyReply, done);
    expect(done).toHaveBeenCalledWith();
    expect(request.signedRequest).toMatchObject({ keyId: KEY_ID });

    const replayDone = vi.fn();
    const replay = { ...request, signedRequest: null } as FastifyRequest;
    hook.call(undefined as never, replay, {} as FastifyReply, replayDone);
    expect(replayDone).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'ERR_NONCE_REPLAYED' }),
    );
    expect(replay.signedRequest).toBeNull();
  });

  it('the Fastify preHandler waits for an asynchronous store before done()', async () => {
    const hook = requestSigningPreHandler({ verifier: verifier(slowStore()) });
    const request = fastifyRequest();
    const done = vi.fn();
    hook.call(undefined as never, request, {} as FastifyReply, done);
    expect(done).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(done).toHaveBeenCalledWith());
    expect(request.signedRequest).toMatchObject({ keyId: KEY_ID });
  });
});

describe('a verifier option that createRequestVerifier did not make', () => {
  const impostor = { verify: async () => ({ keyId: 'anyone' }) } as never;

  it.each([
    ['requestSigning', () => requestSigning({ verifier: impostor })],
    ['requestSigningPreHandler', () => requestSigningPreHandler({ verifier: impostor })],
  ])('%s refuses it at start-up, naming the option', (_name, build) => {
    expect(build).toThrow(RampartConfigError);
    expect(build).toThrow(/^verifier: /);
  });

  it.each([
    [
      'requestSigning',
      () => requestSigning({ verifier: verifier(), getSecrets: () => [] } as never),
    ],
    [
      'requestSigningPreHandler',
      () => requestSigningPreHandler({ verifier: verifier(), nonceStore: slowStore() } as never),
    ],
  ])('%s refuses verifier options beside a verifier, which it would ignore', (_name, build) => {
    expect(build).toThrow(/^verifier: .*getSecrets|^verifier: .*nonceStore/);
    expect(build).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_CONFLICTING_OPTIONS' }));
  });

  it.each([
    [
      'requestSigning.forwardErrors',
      () => requestSigning({ verifier: verifier(), forwardErrors: 'yes' } as never),
    ],
    [
      'fastifyRequestSigning.global',
      () => requestSigningPreHandler({ verifier: verifier(), global: 1 } as never),
    ],
  ])('refuses a %s that is not a boolean (ERR_CONFIG_INVALID_TYPE)', (option, build) => {
    const expected = option.replace('fastifyRequestSigning', 'requestSigningPreHandler');
    expect(build).toThrow(
      expect.objectContaining({ option: expected, code: 'ERR_CONFIG_INVALID_TYPE' }),
    );
  });

  it('requestSigning without options throws RampartConfigError, not a TypeError', () => {
    expect(() => requestSigning(undefined as never)).toThrow(RampartConfigError);
  });

  it('the Fastify plugin refuses a global or a route config that is not a boolean', async () => {
    const { default: Fastify } = await import('fastify');
    const { rampartCore } = await import('@rampart/core/fastify');
    const bad = Fastify();
    await bad.register(rampartCore);
    bad.register(fastifyRequestSigning, { verifier: verifier(), global: 'yes' } as never);
    await expect(bad.ready()).rejects.toThrow(/global/);
    await bad.close();
    const app = Fastify();
    await app.register(rampartCore);
    await app.register(fastifyRequestSigning, { verifier: verifier() });
    expect(() =>
      app.post('/x', { config: { requestSigning: 'yes' as never } }, async () => ({})),
    ).toThrow(/config.requestSigning/);
    await app.close();
  });

  it('the Fastify plugin refuses it when registered', async () => {
    const { default: Fastify } = await import('fastify');
    const { rampartCore } = await import('@rampart/core/fastify');
    const app = Fastify();
    await app.register(rampartCore);
    app.register(fastifyRequestSigning, { verifier: impostor });
    await expect(app.ready()).rejects.toThrow(/^verifier: /);
    await app.close();
  });
});
