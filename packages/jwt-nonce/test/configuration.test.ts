import { RampartConfigError } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import {
  createJwtNonce,
  generateJwtKey,
  type JwtNonceOptions,
  MemoryJwtNonceStore,
} from '../src/index.js';
import { RedisJwtNonceStore } from '../src/redis.js';

const base: JwtNonceOptions = {
  issuer: 'i',
  audience: 'a',
  keys: [generateJwtKey('HS256', 'k1')],
};

function configError(run: () => unknown): RampartConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RampartConfigError);
    return error as RampartConfigError;
  }
  throw new Error('expected a RampartConfigError');
}

describe('misconfiguration throws at construction, naming the option', () => {
  it.each<[string, Partial<JwtNonceOptions> | Record<string, unknown>, string]>([
    [
      'a 16-byte secret',
      { keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(16) }] },
      'createJwtNonce.keys.0.secret',
    ],
    [
      'a secret that is not base64url',
      { keys: [{ kid: 'k1', alg: 'HS256', secret: 'not base64!' }] },
      'createJwtNonce.keys.0.secret',
    ],
    [
      'an unknown algorithm',
      { keys: [{ kid: 'k1', alg: 'RS256', secret: 'x' }] },
      'createJwtNonce.keys.0.alg',
    ],
    [
      'a P-256 key declared EdDSA',
      { keys: [{ ...generateJwtKey('ES256', 'k1'), alg: 'EdDSA' }] },
      'createJwtNonce.keys.0',
    ],
    [
      'two keys with one kid',
      { keys: [generateJwtKey('HS256', 'k1'), generateJwtKey('EdDSA', 'k1')] },
      'createJwtNonce.keys.1.kid',
    ],
    ['no key', { keys: [] }, 'createJwtNonce.keys'],
    [
      'only verify-only keys',
      { keys: [{ kid: 'k1', alg: 'EdDSA', publicKey: generateJwtKey('EdDSA', 'x').publicKey }] },
      'createJwtNonce.keys',
    ],
    ['an unknown signingKeyId', { signingKeyId: 'k9' }, 'createJwtNonce.signingKeyId'],
    [
      'a clock tolerance over 60 s',
      { clockToleranceSeconds: 61 },
      'createJwtNonce.clockToleranceSeconds',
    ],
    [
      'a refresh TTL shorter than the access TTL',
      { accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 600 },
      'createJwtNonce.refreshTokenTtlSeconds',
    ],
    ['an unknown mode', { mode: 'none' }, 'createJwtNonce.mode'],
    ['an unknown option', { algorithm: 'HS256' }, 'createJwtNonce.algorithm'],
  ])('%s', (_name, overrides, option) => {
    const error = configError(() => createJwtNonce({ ...base, ...overrides } as JwtNonceOptions));
    expect(error.option).toBe(option);
  });

  it.each<[string, () => unknown, string, string]>([
    [
      'a 16-byte secret',
      () =>
        createJwtNonce({
          ...base,
          keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(16) }],
        }),
      'createJwtNonce.keys.0.secret',
      'ERR_CONFIG_SECRET_TOO_SHORT',
    ],
    [
      'an unknown option',
      () => createJwtNonce({ ...base, algorithm: 'HS256' } as JwtNonceOptions),
      'createJwtNonce.algorithm',
      'ERR_CONFIG_UNKNOWN_OPTION',
    ],
    [
      'two keys with one kid',
      () =>
        createJwtNonce({
          ...base,
          keys: [generateJwtKey('HS256', 'k1'), generateJwtKey('EdDSA', 'k1')],
        }),
      'createJwtNonce.keys.1.kid',
      'ERR_CONFIG_CONFLICTING_OPTIONS',
    ],
    [
      'a memory store option that does not exist',
      () => new MemoryJwtNonceStore({ max: 10 } as never),
      'MemoryJwtNonceStore.max',
      'ERR_CONFIG_UNKNOWN_OPTION',
    ],
    [
      'a memory store bound of 0',
      () => new MemoryJwtNonceStore({ maxEntries: 0 }),
      'MemoryJwtNonceStore.maxEntries',
      'ERR_CONFIG_OUT_OF_RANGE',
    ],
  ])('%s has its own code and docs anchor', (_name, make, option, code) => {
    const error = configError(make);
    expect(error).toMatchObject({ option, code, docs: `docs/errors.md#${code.toLowerCase()}` });
  });

  it('a public key that does not belong to the private key', () => {
    const a = generateJwtKey('ES256', 'k1');
    const b = generateJwtKey('ES256', 'k1');
    expect(
      configError(() => createJwtNonce({ ...base, keys: [{ ...a, publicKey: b.publicKey }] }))
        .option,
    ).toBe('createJwtNonce.keys.0');
  });

  it('a Redis store without a client', () => {
    expect(configError(() => new RedisJwtNonceStore({ redis: {} as never })).option).toBe(
      'RedisJwtNonceStore.redis',
    );
  });

  it('refuses registered claim names and bad user ids when issuing', async () => {
    const tokens = createJwtNonce(base);
    await expect(tokens.issue('u', { claims: { sub: 'admin' } })).rejects.toBeInstanceOf(
      RampartConfigError,
    );
    await expect(tokens.issue('')).rejects.toBeInstanceOf(RampartConfigError);
  });

  it('serves a JWKS of the asymmetric public keys only', async () => {
    const ed = generateJwtKey('EdDSA', 'ed');
    const tokens = createJwtNonce({
      ...base,
      keys: [
        generateJwtKey('HS256', 'hs'),
        ed,
        { kid: 'old', alg: 'ES256', publicKey: generateJwtKey('ES256', 'o').publicKey },
      ],
    });
    const jwks = await tokens.jwks();
    expect(jwks.keys.map((key) => key.kid)).toEqual(['ed', 'old']);
    for (const key of jwks.keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).not.toHaveProperty('k');
      expect(key.use).toBe('sig');
    }
  });
});

describe('the adapters check what they are given at start-up', () => {
  it('requireJwt and jwtPreHandler refuse a missing tokens service instead of a 500 per request', async () => {
    const { requireJwt } = await import('../src/express.js');
    const { jwtPreHandler } = await import('../src/fastify.js');
    expect(configError(() => requireJwt(undefined as never)).option).toBe('requireJwt.tokens');
    expect(configError(() => requireJwt({} as never)).option).toBe('requireJwt.tokens');
    expect(configError(() => jwtPreHandler({} as never)).option).toBe('jwtPreHandler.tokens');
  });

  it('the Fastify plugin refuses an option it does not know', async () => {
    const { default: Fastify } = await import('fastify');
    const { fastifyJwtNonce } = await import('../src/fastify.js');
    const app = Fastify();
    app.register(fastifyJwtNonce, { tokens: createJwtNonce(base), foo: 1 } as never);
    await expect(app.ready()).rejects.toThrow(/fastifyJwtNonce\.foo/);
    await app.close();
  });

  it('requireJwt refuses an option it does not know, or a forwardErrors that is no boolean', async () => {
    const { requireJwt } = await import('../src/express.js');
    const tokens = createJwtNonce(base);
    expect(configError(() => requireJwt(tokens, { bogus: 1 } as never)).option).toBe(
      'requireJwt.bogus',
    );
    expect(configError(() => requireJwt(tokens, { forwardErrors: 'yes' } as never)).option).toBe(
      'requireJwt.forwardErrors',
    );
  });
});

describe('issue() refuses claims that would make a token nobody can use', () => {
  it('claims a JWT cannot carry: a function, a symbol, a bigint, NaN, a cycle', async () => {
    const tokens = createJwtNonce(base);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const claims of [
      { f: () => 1 },
      { s: Symbol('x') },
      { b: 1n },
      { n: Number.NaN },
      cycle,
    ]) {
      await expect(tokens.issue('alice', { claims: claims as never })).rejects.toMatchObject({
        name: 'RampartConfigError',
      });
    }
  });

  it('claims that make a token over maxTokenBytes, which verification would always refuse', async () => {
    const tokens = createJwtNonce(base);
    const error = await tokens
      .issue('alice', { claims: { blob: 'x'.repeat(20_000) } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RampartConfigError);
    expect((error as RampartConfigError).option).toBe('issue.claims');
    await expect(tokens.issue('alice', { claims: { role: 'admin' } })).resolves.toMatchObject({
      tokenType: 'Bearer',
    });
  });
});
