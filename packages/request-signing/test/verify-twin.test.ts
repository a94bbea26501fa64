import {
  createFakeClock,
  MemoryNonceStore,
  type NonceStore,
  RampartError,
  type SecurityRequest,
  syncTwinOf,
} from '@rampart/core';
import { describe, expect, it } from 'vitest';
import {
  createRequestVerifier,
  type RequestVerifier,
  type RequestVerifierOptions,
  staticSigningSecrets,
} from '../src/index.js';
import { KEY_ID, NOW, SECRET, securityRequest, signV1 } from './helpers.js';

const BODY = '{"data":{"temperature":21}}';

function verifierWith(overrides: Partial<RequestVerifierOptions> = {}) {
  return createRequestVerifier({
    getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
    nonceStore: new MemoryNonceStore(),
    clock: createFakeClock(NOW),
    ...overrides,
  });
}

/** What the adapters call: the verifier's synchronous twin of `verify`. */
function verifyNow(verifier: RequestVerifier, request: SecurityRequest) {
  const twin = syncTwinOf(verifier, 'verify');
  if (twin === undefined) throw new Error('the verifier has no synchronous twin of verify');
  return twin.call(verifier, request);
}

function signed() {
  return securityRequest(signV1({ body: BODY }), { body: BODY });
}

/** The code of the error `run` throws synchronously. */
function thrownCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RampartError);
    return (error as RampartError).code;
  }
  return 'returned';
}

describe("verify's synchronous twin", () => {
  it('returns the verified signature itself on the memory store, not a promise', () => {
    const verifier = verifierWith();
    const request = signed();
    const result = verifyNow(verifier, request);
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({
      scheme: 'rampart-v1',
      keyId: KEY_ID,
      nonce: request.headers['x-nonce'],
      signedAt: NOW,
    });
  });

  it('throws each refusal synchronously on the memory store', () => {
    const verifier = verifierWith();
    const request = signed();
    verifyNow(verifier, request);
    expect(thrownCode(() => verifyNow(verifier, request))).toBe('ERR_NONCE_REPLAYED');
    expect(thrownCode(() => verifyNow(verifier, securityRequest({})))).toBe(
      'ERR_SIGNATURE_HEADERS',
    );
    const forged = { ...signV1({ body: BODY }), 'x-signature': 'b'.repeat(64) };
    expect(thrownCode(() => verifyNow(verifier, securityRequest(forged, { body: BODY })))).toBe(
      'ERR_SIGNATURE_INVALID',
    );
    const stale = signV1({ body: BODY, timestamp: String(NOW - 301_000) });
    expect(thrownCode(() => verifyNow(verifier, securityRequest(stale, { body: BODY })))).toBe(
      'ERR_TIMESTAMP_OUT_OF_RANGE',
    );
  });

  it('answers with a promise when the store is asynchronous, and refuses the replay through it', async () => {
    const memory = new MemoryNonceStore();
    const verifier = verifierWith({
      nonceStore: { claim: (scope, nonce, ttl) => memory.claim(scope, nonce, ttl) },
    });
    const request = signed();
    const first = verifyNow(verifier, request);
    expect(first).toBeInstanceOf(Promise);
    await expect(first).resolves.toMatchObject({ keyId: KEY_ID });
    const replay = verifyNow(verifier, request);
    expect(replay).toBeInstanceOf(Promise);
    await expect(replay).rejects.toMatchObject({ code: 'ERR_NONCE_REPLAYED' });
  });

  it('answers with a real promise when the store answers with another thenable', async () => {
    // A store built on another promise library: its answer must never pass for a signature.
    const thenableStore: NonceStore = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      claim: () => ({ then: (resolve: (fresh: boolean) => void) => resolve(false) }) as never,
    };
    const result = verifyNow(verifierWith({ nonceStore: thenableStore }), signed());
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ code: 'ERR_NONCE_REPLAYED' });
  });

  it('answers with a promise when getSecrets does', async () => {
    const secrets = staticSigningSecrets({ [KEY_ID]: SECRET });
    const verifier = verifierWith({ getSecrets: async (keyId) => secrets(keyId) });
    const result = verifyNow(verifier, signed());
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toMatchObject({ keyId: KEY_ID });
  });

  it('is left alone when a wrapper replaces verify: the wrapper is what runs', async () => {
    const inner = verifierWith();
    const seen: string[] = [];
    const wrapped: RequestVerifier = {
      ...inner,
      verify(request) {
        seen.push(request.method);
        return inner.verify(request);
      },
    };
    expect(syncTwinOf(wrapped, 'verify')).toBeUndefined();
    expect(syncTwinOf(inner, 'verify')).toBeTypeOf('function');
  });

  it('is what verify answers, as a promise', async () => {
    const verifier = verifierWith();
    const request = signed();
    await expect(verifier.verify(request)).resolves.toMatchObject({ keyId: KEY_ID });
    await expect(verifier.verify(request)).rejects.toMatchObject({ code: 'ERR_NONCE_REPLAYED' });
  });
});
