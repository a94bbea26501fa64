import { createAuthContext, RampartConfigError, type SecurityRequest } from '@rampart/core';
import { rampartCore } from '@rampart/core/fastify';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { idempotent } from '../src/express.js';
import { fastifyIdempotency } from '../src/fastify.js';
import {
  createIdempotency,
  type IdempotencyOptions,
  type IdempotencyStore,
  MemoryIdempotencyStore,
  type ResponseSealer,
} from '../src/index.js';
import { keyedRequest } from './helpers/keyed-request.js';

const auth = (userId: string, credentialId = 'cred-1') =>
  createAuthContext({ userId, method: 'api-key', credentialId });

const request = (route: string, url: string, key = 'k') =>
  keyedRequest({ key, route, url, body: '{}', ip: '127.0.0.1' });

async function firstThenRetry(
  options: IdempotencyOptions,
  first: [SecurityRequest, ReturnType<typeof auth>],
  second: [SecurityRequest, ReturnType<typeof auth>],
): Promise<string> {
  const idempotency = createIdempotency(options);
  const started = await idempotency.begin(...first);
  if (started.action !== 'proceed' || started.lease === undefined) throw new Error('not leased');
  await started.lease.complete({
    status: 201,
    headers: { 'content-type': 'application/json', 'x-extra': '1' },
    body: Buffer.from('{"secret":"s3cr3t"}'),
  });
  try {
    const retried = await idempotency.begin(...second);
    return retried.action === 'replay' ? 'replay' : 'ran';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('createIdempotency options', () => {
  it.each([
    [{ leaseMs: 5 }, 'createIdempotency.leaseMs'],
    [{ retentionMs: 31 * 86_400_000 }, 'createIdempotency.retentionMs'],
    [{ maxResponseBytes: -1 }, 'createIdempotency.maxResponseBytes'],
    [{ scope: 'global' }, 'createIdempotency.scope'],
    [{ principal: 'ip' }, 'createIdempotency.principal'],
    [{ replayHeaders: ['set-cookie'] }, 'createIdempotency.replayHeaders.0'],
    [{ replayHeaders: ['bad header'] }, 'createIdempotency.replayHeaders.0'],
    [{ store: {} }, 'createIdempotency.store'],
    [{ sealer: { seal() {} } }, 'createIdempotency.sealer'],
    [{ retention: 1 }, 'createIdempotency.retention'],
  ])('refuses %j at start-up, naming %s', (options, option) => {
    expect(() => createIdempotency(options as IdempotencyOptions)).toThrow(RampartConfigError);
    expect(() => createIdempotency(options as IdempotencyOptions)).toThrow(`${option}:`);
  });

  it('refuses adapter misconfiguration at start-up', async () => {
    expect(() => idempotent({} as never)).toThrow('idempotent.idempotency');
    expect(() =>
      idempotent({ idempotency: createIdempotency(), required: 'yes' } as never),
    ).toThrow('idempotent.required');
    const app = Fastify();
    await app.register(rampartCore);
    await app.register(fastifyIdempotency, { idempotency: createIdempotency() });
    expect(() =>
      app.post('/x', { config: { idempotency: 'yes' as never } }, async () => 'x'),
    ).toThrow('/x: config.idempotency');
    await app.close();
  });

  it('scopes keys per principal by default: the same key on another route is a reuse (422)', async () => {
    expect(
      await firstThenRetry({}, [request('/a', '/a'), auth('u')], [request('/b', '/b'), auth('u')]),
    ).toBe('ERR_IDEMPOTENCY_KEY_REUSED');
  });

  it("with scope 'route', the same key on another route is another key", async () => {
    expect(
      await firstThenRetry(
        { scope: 'route' },
        [request('/a', '/a'), auth('u')],
        [request('/b', '/b'), auth('u')],
      ),
    ).toBe('ran');
  });

  it("keys belong to the user by default, to the credential with principal 'credential'", async () => {
    const first: [SecurityRequest, ReturnType<typeof auth>] = [
      request('/a', '/a'),
      auth('u', 'c1'),
    ];
    const other: [SecurityRequest, ReturnType<typeof auth>] = [
      request('/a', '/a'),
      auth('u', 'c2'),
    ];
    expect(await firstThenRetry({}, first, other)).toBe('replay');
    expect(await firstThenRetry({ principal: 'credential' }, first, other)).toBe('ran');
  });

  it('replays only the kept headers, and the ones listed in replayHeaders', async () => {
    for (const [replayHeaders, expected] of [
      [
        [],
        [
          ['content-type', 'application/json'],
          ['idempotency-replayed', 'true'],
        ],
      ],
      [
        ['X-Extra'],
        [
          ['content-type', 'application/json'],
          ['x-extra', '1'],
          ['idempotency-replayed', 'true'],
        ],
      ],
    ] as const) {
      const idempotency = createIdempotency({ replayHeaders });
      const started = await idempotency.begin(request('/a', '/a'), auth('u'));
      if (started.action !== 'proceed' || started.lease === undefined) throw new Error('no lease');
      await started.lease.complete({
        status: 201,
        headers: { 'content-type': 'application/json', 'x-extra': '1', 'set-cookie': ['a=1'] },
        body: Buffer.from('{}'),
      });
      const replay = await idempotency.begin(request('/a', '/a'), auth('u'));
      expect(replay.action === 'replay' && replay.response.headers).toEqual(expected);
    }
  });
});

describe('sealed responses', () => {
  /** A stand-in for a KeyRing: reversible, and refusing another AAD. */
  const sealer: ResponseSealer = {
    seal: (plaintext, { aad }) =>
      `sealed.${Buffer.from(aad).toString('base64url')}.${Buffer.from(plaintext).reverse().toString('base64url')}`,
    open: (sealed, { aad }) => {
      const [, boundTo, text] = sealed.split('.');
      if (boundTo !== Buffer.from(aad).toString('base64url')) throw new Error('wrong aad');
      return Buffer.from(text as string, 'base64url').reverse();
    },
  };

  it('stores the response sealed, bound to its record, and replays it opened', async () => {
    const written: string[] = [];
    const memory = new MemoryIdempotencyStore();
    const store: IdempotencyStore = {
      claim: (claim) => memory.claim(claim),
      complete: (completion) => {
        written.push(completion.response);
        return memory.complete(completion);
      },
      release: (lease) => memory.release(lease),
      purgeUser: (userId) => memory.purgeUser(userId),
    };
    expect(
      await firstThenRetry(
        { store, sealer },
        [request('/a', '/a'), auth('u')],
        [request('/a', '/a'), auth('u')],
      ),
    ).toBe('replay');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^sealed\./);
    expect(written[0]).not.toContain('s3cr3t');
    expect(Buffer.from(written[0]?.split('.')[2] as string, 'base64url').toString()).not.toContain(
      's3cr3t',
    );
  });

  it('answers a kept response that does not open with a 500, never its content', async () => {
    const idempotency = createIdempotency({
      sealer: {
        ...sealer,
        open: () => {
          throw new Error('tampered');
        },
      },
    });
    const started = await idempotency.begin(request('/a', '/a'), auth('u'));
    if (started.action !== 'proceed' || started.lease === undefined) throw new Error('no lease');
    await started.lease.complete({ status: 201, headers: {}, body: Buffer.from('{}') });
    await expect(idempotency.begin(request('/a', '/a'), auth('u'))).rejects.toMatchObject({
      status: 500,
      code: 'ERR_INTERNAL',
    });
  });
});
