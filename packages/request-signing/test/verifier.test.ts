import { createSecretKey } from 'node:crypto';
import {
  createFakeClock,
  defineSyncTwin,
  MemoryNonceStore,
  type NonceStore,
  RampartConfigError,
  type SecurityEvent,
} from '@rampart/core';
import { describe, expect, it } from 'vitest';
import {
  createRequestVerifier,
  type RequestVerifierOptions,
  staticSigningSecrets,
} from '../src/index.js';
import {
  freshNonce,
  KEY_ID,
  NOW,
  OTHER_SECRET,
  SECRET,
  securityRequest,
  signV1,
} from './helpers.js';

const BODY = '{"data":{"temperature":21}}';

function setup(overrides: Partial<RequestVerifierOptions> = {}) {
  const events: SecurityEvent[] = [];
  const claims: string[] = [];
  const memory = new MemoryNonceStore();
  const nonceStore: NonceStore = {
    claim(scope, nonce, ttl) {
      claims.push(`${scope}|${nonce}|${ttl}`);
      return memory.claim(scope, nonce, ttl);
    },
  };
  const clock = createFakeClock(NOW);
  const verifier = createRequestVerifier({
    getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
    nonceStore,
    clock,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { verifier, events, claims, clock };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    expect((error as { status: number }).status).toBe(401);
    return (error as { code: string }).code;
  }
}

describe('createRequestVerifier', () => {
  it('accepts a signed request and reports who signed it', async () => {
    const { verifier } = setup();
    const headers = signV1({ body: BODY });
    await expect(verifier.verify(securityRequest(headers, { body: BODY }))).resolves.toEqual({
      scheme: 'rampart-v1',
      keyId: KEY_ID,
      nonce: headers['x-nonce'],
      signedAt: NOW,
    });
  });

  it('refuses the replay of an accepted request', async () => {
    const { verifier } = setup();
    const request = securityRequest(signV1({ body: BODY }), { body: BODY });
    await verifier.verify(request);
    expect(await codeOf(verifier.verify(request))).toBe('ERR_NONCE_REPLAYED');
  });

  it('claims the nonce per key id, for both windows plus a second', async () => {
    const { verifier, claims } = setup({
      getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET, 'client-b': OTHER_SECRET }),
    });
    const nonce = freshNonce();
    await verifier.verify(securityRequest(signV1({ nonce })));
    // The same nonce under another key is another claim, not a replay.
    await verifier.verify(
      securityRequest(signV1({ nonce, keyId: 'client-b', secret: OTHER_SECRET })),
    );
    expect(claims).toEqual([
      `request-signing:${KEY_ID}|${nonce}|601000`,
      `request-signing:client-b|${nonce}|601000`,
    ]);
    expect(verifier.nonceTtlMs).toBe(601_000);
  });

  it('never claims a nonce for a request whose signature fails (garbage cannot fill the store)', async () => {
    const { verifier, claims } = setup();
    const headers = signV1({ body: BODY });
    expect(await codeOf(verifier.verify(securityRequest(headers, { body: `${BODY} ` })))).toBe(
      'ERR_SIGNATURE_INVALID',
    );
    expect(
      await codeOf(
        verifier.verify(securityRequest({ ...headers, 'x-key-id': 'nobody' }, { body: BODY })),
      ),
    ).toBe('ERR_SIGNATURE_INVALID');
    expect(claims).toEqual([]);
    // The nonce is still unused: the genuine request passes.
    await expect(verifier.verify(securityRequest(headers, { body: BODY }))).resolves.toBeDefined();
  });

  it('answers an unknown key id with the same problem as a bad signature', async () => {
    const { verifier } = setup();
    const problems: unknown[] = [];
    for (const headers of [
      { ...signV1(), 'x-key-id': 'no-such-key' },
      signV1({ secret: OTHER_SECRET }),
    ]) {
      try {
        await verifier.verify(securityRequest(headers));
      } catch (error) {
        problems.push((error as { toProblem(i: string): unknown }).toProblem('/x'));
      }
    }
    expect(problems).toHaveLength(2);
    expect(problems[0]).toEqual(problems[1]);
  });

  it.each([
    ['301 s old', -301_000, 'ERR_TIMESTAMP_OUT_OF_RANGE'],
    ['300 s old', -300_000, 'accepted'],
    ['300 s ahead', 300_000, 'accepted'],
    ['301 s ahead', 301_000, 'ERR_TIMESTAMP_OUT_OF_RANGE'],
  ])('takes a timestamp %s as %s', async (_name, offset, expected) => {
    const { verifier } = setup();
    const headers = signV1({ timestamp: String(NOW + offset) });
    expect(await codeOf(verifier.verify(securityRequest(headers)))).toBe(expected);
  });

  it('honours a configured window', async () => {
    const { verifier } = setup({ maxAgeMs: 10_000, maxFutureMs: 0 });
    expect(
      await codeOf(verifier.verify(securityRequest(signV1({ timestamp: String(NOW - 10_001) })))),
    ).toBe('ERR_TIMESTAMP_OUT_OF_RANGE');
    expect(
      await codeOf(verifier.verify(securityRequest(signV1({ timestamp: String(NOW + 1) })))),
    ).toBe('ERR_TIMESTAMP_OUT_OF_RANGE');
    expect(verifier.nonceTtlMs).toBe(11_000);
  });

  it('accepts every secret of a rotating key and no other', async () => {
    const next = Buffer.alloc(48, 9);
    const getSecrets = async (keyId: string) =>
      keyId === KEY_ID ? [createSecretKey(next), SECRET] : undefined;
    const { verifier } = setup({ getSecrets });
    expect(await codeOf(verifier.verify(securityRequest(signV1())))).toBe('accepted');
    expect(
      await codeOf(
        verifier.verify(securityRequest(signV1({ secret: next.toString('base64url') }))),
      ),
    ).toBe('accepted');
    expect(await codeOf(verifier.verify(securityRequest(signV1({ secret: OTHER_SECRET }))))).toBe(
      'ERR_SIGNATURE_INVALID',
    );
  });

  it('stops accepting a secret as soon as a mutable answer drops it (revocation)', async () => {
    const secrets: string[] = [SECRET];
    const { verifier } = setup({ getSecrets: () => secrets });
    expect(await codeOf(verifier.verify(securityRequest(signV1())))).toBe('accepted');
    secrets.splice(0, 1, OTHER_SECRET);
    expect(await codeOf(verifier.verify(securityRequest(signV1())))).toBe('ERR_SIGNATURE_INVALID');
  });

  it('emits INVALID_SIGNATURE for a bad signature, INVALID_NONCE for a replay, with the reason and never a secret', async () => {
    const { verifier, events } = setup();
    const good = signV1();
    await verifier.verify(securityRequest(good));
    const refused = [
      () => verifier.verify(securityRequest(good)),
      () => verifier.verify(securityRequest({ ...signV1(), 'x-timestamp': '12' })),
      () => verifier.verify(securityRequest({ ...signV1(), 'x-nonce': 'short' })),
      () => verifier.verify(securityRequest(signV1({ secret: OTHER_SECRET }))),
    ];
    const codes: string[] = [];
    for (const attempt of refused) codes.push(await codeOf(attempt()));
    expect(codes).toEqual([
      'ERR_NONCE_REPLAYED',
      'ERR_TIMESTAMP_OUT_OF_RANGE',
      'ERR_SIGNATURE_HEADERS',
      'ERR_SIGNATURE_INVALID',
    ]);
    expect(events.map((e) => [e.type, e.code])).toEqual([
      ['INVALID_NONCE', 'ERR_NONCE_REPLAYED'],
      ['INVALID_NONCE', 'ERR_TIMESTAMP_OUT_OF_RANGE'],
      ['INVALID_SIGNATURE', 'ERR_SIGNATURE_HEADERS'],
      ['INVALID_SIGNATURE', 'ERR_SIGNATURE_INVALID'],
    ]);
    expect(events[0]).toMatchObject({
      severity: 'critical',
      source: '@rampart/request-signing',
      code: 'ERR_NONCE_REPLAYED',
      reason: 'nonce replayed',
      ip: '203.0.113.7',
      method: 'POST',
      detail: { keyId: KEY_ID, scheme: 'rampart-v1' },
    });
    expect(events[3]).toMatchObject({
      severity: 'warning',
      reason: 'signature mismatch',
      detail: { keyId: KEY_ID },
    });
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(events)).not.toContain(good['x-signature']);
  });

  it('fails closed with the store error when the nonce store is unavailable', async () => {
    const failing: NonceStore = {
      claim: () => Promise.reject(Object.assign(new Error('down'), {})),
    };
    const { verifier } = setup({ nonceStore: failing });
    await expect(verifier.verify(securityRequest(signV1()))).rejects.toThrow('down');
  });

  it.each([
    ['getSecrets', { getSecrets: 'x' }],
    ['nonceStore', { nonceStore: {} }],
    ['maxAgeMs', { maxAgeMs: 10 }],
    ['schemes', { schemes: [] }],
    ['rfc9421.origin', { rfc9421: { origin: 'api.example.com' } }],
  ])('refuses a bad %s at construction, naming it', (option, bad) => {
    const options = {
      getSecrets: () => undefined,
      nonceStore: new MemoryNonceStore(),
      ...bad,
    } as unknown as RequestVerifierOptions;
    expect(() => createRequestVerifier(options)).toThrow(RampartConfigError);
    expect(() => createRequestVerifier(options)).toThrow(`createRequestVerifier.${option}`);
  });

  it.each([
    ['a passphrase', 'correct horse battery staple', 'ERR_CONFIG_INVALID_VALUE'],
    ['16 bytes', Buffer.alloc(16, 1).toString('base64url'), 'ERR_CONFIG_SECRET_TOO_SHORT'],
    ['65 bytes', Buffer.alloc(65, 1), 'ERR_CONFIG_OUT_OF_RANGE'],
    ['padded base64', `${Buffer.alloc(32, 1).toString('base64')}`, 'ERR_CONFIG_INVALID_VALUE'],
    // An unset environment variable: `process.env.CLIENT_A_SECRET!` is undefined at run time.
    ['no secret', undefined, 'ERR_CONFIG_MISSING_OPTION'],
    ['an empty list', [], 'ERR_CONFIG_MISSING_OPTION'],
  ])('staticSigningSecrets refuses %s at start-up (%s)', (_name, secret, code) => {
    expect(() => staticSigningSecrets({ a: secret as never })).toThrow(
      expect.objectContaining({ name: 'RampartConfigError', code }),
    );
  });

  it('staticSigningSecrets refuses a key id no client could send, and a non-object', () => {
    const secret = Buffer.alloc(32, 1).toString('base64url');
    expect(() => staticSigningSecrets({ 'bad key': secret })).toThrow(/staticSigningSecrets/);
    expect(() => staticSigningSecrets(null as never)).toThrow(RampartConfigError);
  });

  it('refuses the right signature with a character past latin1 that shares its low byte', async () => {
    // The comparison writes both MACs as latin1 bytes, which keep a character's low byte only:
    // U+0161 would be written as 'a' (0x61).
    const { verifier } = setup();
    const good = signV1();
    const signature = good['x-signature'] as string;
    const widened = String.fromCharCode(0x100 + signature.charCodeAt(0)) + signature.slice(1);
    expect(
      await codeOf(verifier.verify(securityRequest({ ...good, 'x-signature': widened }))),
    ).toBe('ERR_SIGNATURE_HEADERS');
    expect(await codeOf(verifier.verify(securityRequest(good)))).toBe('accepted');
  });

  it('verifies only the schemes it is told to', async () => {
    const { verifier } = setup({ schemes: ['rfc9421'] });
    expect(await codeOf(verifier.verify(securityRequest(signV1())))).toBe('ERR_SIGNATURE_HEADERS');
  });

  it("claims through the store's synchronous twin when it has one, with the same outcomes", async () => {
    const calls: string[] = [];
    class CountingStore implements NonceStore {
      readonly memory = new MemoryNonceStore();
      claim(_scope: string, _nonce: string, _ttlMs: number): Promise<boolean> {
        return Promise.reject(new Error('claim must not be called'));
      }
      static {
        defineSyncTwin(CountingStore.prototype, 'claim', function claimNow(scope, nonce, ttl) {
          calls.push(`${scope}|${nonce}|${ttl}`);
          return this.memory.claim(scope, nonce, ttl);
        });
      }
    }
    const nonceStore = new CountingStore();
    const { verifier } = setup({ nonceStore });
    const headers = signV1({ body: BODY });
    const accepted = await verifier.verify(securityRequest(headers, { body: BODY }));
    expect(accepted).toMatchObject({ scheme: 'rampart-v1', keyId: KEY_ID });
    expect(calls).toEqual([
      `request-signing:${KEY_ID}|${headers['x-nonce']}|${verifier.nonceTtlMs}`,
    ]);
    expect(await codeOf(verifier.verify(securityRequest(headers, { body: BODY })))).toBe(
      'ERR_NONCE_REPLAYED',
    );
    // A forged request is refused before the store is touched.
    const forged = { ...signV1({ body: BODY }), 'x-signature': 'a'.repeat(64) };
    expect(await codeOf(verifier.verify(securityRequest(forged, { body: BODY })))).toBe(
      'ERR_SIGNATURE_INVALID',
    );
    expect(calls).toHaveLength(2);
    expect(nonceStore.memory.size).toBe(1);
  });

  it("calls a subclass's override of claim, never the memory store's twin behind it", async () => {
    const claims: string[] = [];
    class LoggedStore extends MemoryNonceStore {
      override claim(scope: string, nonce: string, ttlMs: number): Promise<boolean> {
        claims.push(nonce);
        return super.claim(scope, nonce, ttlMs);
      }
    }
    const { verifier } = setup({ nonceStore: new LoggedStore() });
    const headers = signV1({ body: BODY });
    await verifier.verify(securityRequest(headers, { body: BODY }));
    expect(claims).toEqual([headers['x-nonce']]);
  });

  it("rejects with the error the store's twin throws (a full memory store fails closed)", async () => {
    const full = new MemoryNonceStore({ maxEntries: 1, sweepIntervalMs: 0 });
    await full.claim('other', 'nonce-000000000000', 600_000);
    const { verifier } = setup({ nonceStore: full });
    await expect(verifier.verify(securityRequest(signV1()))).rejects.toMatchObject({
      code: 'ERR_STORE_FULL',
      status: 503,
    });
  });
});
