import { createFakeClock, MemoryNonceStore } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../src/client.js';
import {
  createRequestVerifier,
  staticSigningSecrets,
  verifyHttpMessageSignature,
} from '../src/index.js';
import { parseRfc9421 } from '../src/rfc9421/parse.js';
import { signatureBase } from '../src/shared/signature-base.js';
import { parseDictionary } from '../src/shared/structured-fields.js';
import { KEY_ID, NOW, SECRET, securityRequest } from './helpers.js';

/** RFC 9421 Appendix B.1.5: `test-shared-secret`, 64 bytes. */
const TEST_SHARED_SECRET = Buffer.from(
  'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==',
  'base64',
);

/** RFC 9421 Appendix B.2: the test request, with the B.2.5 signature (label `sig-b25`). */
function b25Request(overrides: Record<string, string> = {}) {
  return securityRequest(
    {
      host: 'example.com',
      date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'content-type': 'application/json',
      'content-digest':
        'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
      'content-length': '18',
      'signature-input':
        'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
      signature: 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:',
      ...overrides,
    },
    { method: 'POST', url: '/foo?param=Value&Pet=dog', body: '{"hello": "world"}' },
  );
}

const B25_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@authority": example.com',
  '"content-type": application/json',
  '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
].join('\n');

describe('RFC 9421 Appendix B.2.5 (hmac-sha256)', () => {
  it('builds the signature base the RFC prints', () => {
    const request = b25Request();
    const parsed = parseRfc9421(request, { policy: 'signature-only' });
    expect(parsed.keyId).toBe('test-shared-secret');
    // Rebuild from the parsed Signature-Input, as the verifier does.
    const list = parseDictionary(request.headers['signature-input'] as string)[0]?.[1];
    expect(
      signatureBase(list as never, {
        method: 'POST',
        target: request.url,
        header: (name) => [request.headers[name] as string],
      }),
    ).toBe(B25_BASE);
  });

  it('verifies with test-shared-secret', () => {
    expect(verifyHttpMessageSignature(b25Request(), { secrets: [TEST_SHARED_SECRET] })).toEqual({
      keyId: 'test-shared-secret',
      created: 1618884473,
    });
  });

  it('does not verify once a covered field changes, or with another secret', () => {
    expect(
      verifyHttpMessageSignature(b25Request({ date: 'Tue, 20 Apr 2021 02:07:56 GMT' }), {
        secrets: [TEST_SHARED_SECRET],
      }),
    ).toBeUndefined();
    expect(
      verifyHttpMessageSignature(b25Request(), { secrets: [Buffer.alloc(64, 1)] }),
    ).toBeUndefined();
  });

  it('is not replay-proof, so the request verifier refuses it', async () => {
    const verifier = createRequestVerifier({
      getSecrets: () => TEST_SHARED_SECRET,
      nonceStore: new MemoryNonceStore(),
      clock: createFakeClock(1618884473_000),
    });
    await expect(verifier.verify(b25Request())).rejects.toMatchObject({
      status: 401,
      code: 'ERR_SIGNATURE_HEADERS',
    });
  });
});

describe('RFC 9421 through the request verifier', () => {
  const clock = createFakeClock(NOW);
  const body = JSON.stringify({ data: { temperature: 21 } }, null, 2);
  const url = 'https://api.example.com/api/v1/entities/e1/records?dryRun=true';

  function verifier() {
    return createRequestVerifier({
      getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
      nonceStore: new MemoryNonceStore(),
      clock,
      rfc9421: { origin: 'https://api.example.com' },
    });
  }

  async function signed(target: 'path-and-query' | 'target-uri' = 'path-and-query') {
    const headers = await signRequest({
      method: 'POST',
      url,
      body,
      keyId: KEY_ID,
      secret: SECRET,
      scheme: 'rfc9421',
      target,
      now: NOW,
    });
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  }

  it.each(['path-and-query', 'target-uri'] as const)(
    'accepts a client signature covering %s, once',
    async (target) => {
      const v = verifier();
      const headers = await signed(target);
      expect(headers['signature-input']).toMatch(
        /^sig1=\("@method" .*"content-digest"\);created=\d+;keyid="client-a";nonce="[A-Za-z0-9_-]{24}";alg="hmac-sha256"$/,
      );
      const request = securityRequest(headers, {
        url: '/api/v1/entities/e1/records?dryRun=true',
        body,
      });
      await expect(v.verify(request)).resolves.toMatchObject({ scheme: 'rfc9421', keyId: KEY_ID });
      await expect(v.verify(request)).rejects.toMatchObject({ code: 'ERR_NONCE_REPLAYED' });
    },
  );

  it('refuses a body that does not match the content digest', async () => {
    const headers = await signed();
    const request = securityRequest(headers, {
      url: '/api/v1/entities/e1/records?dryRun=true',
      body: `${body}x`,
    });
    await expect(verifier().verify(request)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });

  it('refuses a body added to a signature that covers none', async () => {
    const headers = await signRequest({
      method: 'POST',
      url,
      keyId: KEY_ID,
      secret: SECRET,
      scheme: 'rfc9421',
      now: NOW,
    });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const request = securityRequest(lower, {
      url: '/api/v1/entities/e1/records?dryRun=true',
      body: '{}',
    });
    await expect(verifier().verify(request)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_HEADERS',
    });
  });

  it.each([
    ['a changed query', '/api/v1/entities/e1/records?dryRun=false'],
    ['a changed path case', '/api/v1/Entities/e1/records?dryRun=true'],
  ])('refuses %s', async (_name, target) => {
    const request = securityRequest(await signed(), { url: target, body });
    await expect(verifier().verify(request)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });

  it.each([
    [
      'an old created',
      (h: Record<string, string>) =>
        h['signature-input']!.replace(/created=\d+/, `created=${NOW / 1000 - 400}`),
      'ERR_TIMESTAMP_OUT_OF_RANGE',
    ],
    [
      'created in milliseconds',
      (h: Record<string, string>) => h['signature-input']!.replace(/created=\d+/, `created=${NOW}`),
      'ERR_TIMESTAMP_OUT_OF_RANGE',
    ],
    [
      'another algorithm',
      (h: Record<string, string>) => h['signature-input']!.replace('hmac-sha256', 'rsa-pss-sha512'),
      'ERR_SIGNATURE_HEADERS',
    ],
    [
      'no nonce',
      (h: Record<string, string>) => h['signature-input']!.replace(/;nonce="[^"]+"/, ''),
      'ERR_SIGNATURE_HEADERS',
    ],
    [
      'no @method',
      (h: Record<string, string>) => h['signature-input']!.replace('"@method" ', ''),
      'ERR_SIGNATURE_HEADERS',
    ],
    [
      'an unknown parameter',
      (h: Record<string, string>) => `${h['signature-input']};foo=1`,
      'ERR_SIGNATURE_HEADERS',
    ],
    [
      'a past expires',
      (h: Record<string, string>) => `${h['signature-input']};expires=${NOW / 1000 - 1}`,
      'ERR_TIMESTAMP_OUT_OF_RANGE',
    ],
  ])('refuses %s', async (_name, edit, code) => {
    const headers = await signed();
    headers['signature-input'] = edit(headers);
    const request = securityRequest(headers, {
      url: '/api/v1/entities/e1/records?dryRun=true',
      body,
    });
    await expect(verifier().verify(request)).rejects.toMatchObject({ status: 401, code });
  });

  it('tells an RFC 9421 signer whose created is in milliseconds to send seconds', async () => {
    const headers = await signed();
    headers['signature-input'] = headers['signature-input']!.replace(
      /created=\d+/,
      `created=${NOW}`,
    );
    const request = securityRequest(headers, {
      url: '/api/v1/entities/e1/records?dryRun=true',
      body,
    });
    const error = await verifier()
      .verify(request)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TIMESTAMP_OUT_OF_RANGE' });
    expect((error as Error).message).toMatch(/Unix seconds/);
    expect((error as Error).message).not.toMatch(/milliseconds/);
  });

  it('refuses a request that carries both schemes', async () => {
    const headers = { ...(await signed()), 'x-signature': 'a'.repeat(64) };
    const request = securityRequest(headers, {
      url: '/api/v1/entities/e1/records?dryRun=true',
      body,
    });
    await expect(verifier().verify(request)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_HEADERS',
    });
  });
});
