import { createFakeClock, isRampartError, MemoryNonceStore } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRequestVerifier, staticSigningSecrets } from '../src/index.js';
import { contentDigestMatches } from '../src/rfc9421/content-digest.js';
import { decodeBase64, encodeBase64, encodeBase64Url } from '../src/shared/base64.js';
import { parseDictionary, StructuredFieldError } from '../src/shared/structured-fields.js';
import { KEY_ID, NOW, SECRET, securityRequest, signV1 } from './helpers.js';

const verifier = createRequestVerifier({
  getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
  nonceStore: new MemoryNonceStore(),
  clock: createFakeClock(NOW),
});

/** Any header value an attacker can send: printable text, near-misses of the real formats. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[0-9a-fA-F+\-.eE x]{0,70}$/),
  fc.constantFrom('', ' ', '0', '-0', '1e3', 'NaN', 'Infinity', '0x10', String(NOW), `${NOW}.0`),
);
const headerOrArray = fc.oneof(headerValue, fc.array(headerValue, { minLength: 2, maxLength: 3 }));

async function outcome(promise: Promise<unknown>): Promise<'accepted' | number> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (!isRampartError(error)) throw error;
    return error.status;
  }
}

describe('no input makes the verifier throw anything but a 401 RampartError', () => {
  it('rampart-v1 headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            'x-key-id': headerOrArray,
            'x-nonce': headerOrArray,
            'x-timestamp': headerOrArray,
            'x-signature': headerOrArray,
          },
          { requiredKeys: [] },
        ),
        fc.string({ maxLength: 64 }),
        async (headers, url) => {
          const request = securityRequest(headers, { url: `/${url}` });
          expect(await outcome(verifier.verify(request))).toBe(401);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a valid signature with one header replaced by junk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('x-key-id', 'x-nonce', 'x-timestamp', 'x-signature'),
        headerValue,
        async (name, value) => {
          const headers = signV1();
          fc.pre(headers[name] !== value);
          const request = securityRequest({ ...headers, [name]: value });
          expect(await outcome(verifier.verify(request))).toBe(401);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('RFC 9421 headers', async () => {
    const sfText = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc
        .tuple(
          fc.constantFrom('sig1', 'a', 'x*', 'Sig'),
          fc.array(
            fc.constantFrom(
              '"@method"',
              '"@path"',
              '"@query"',
              '"content-digest"',
              '"x"',
              '"@foo"',
              'tok',
              '1',
            ),
            { maxLength: 5 },
          ),
          fc.array(
            fc.constantFrom(
              ';created=1',
              ';created=-1',
              ';keyid="client-a"',
              ';nonce="aaaaaaaaaaaaaaaaaaaa"',
              ';alg="hmac-sha256"',
              ';expires=1.5',
              ';x',
              ';created="1"',
            ),
            { maxLength: 5 },
          ),
        )
        .map(([label, items, params]) => `${label}=(${items.join(' ')})${params.join('')}`),
    );
    await fc.assert(
      fc.asyncProperty(
        sfText,
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.constant('sig1=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:'),
        ),
        fc.option(fc.string({ maxLength: 80 })),
        async (input, signature, digest) => {
          const headers: Record<string, string> = { 'signature-input': input, signature };
          if (digest !== null) headers['content-digest'] = digest;
          const request = securityRequest(headers, { body: '{}' });
          expect(await outcome(verifier.verify(request))).toBe(401);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('structured-field and base64 parsers', () => {
  it('parseDictionary throws only StructuredFieldError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseDictionary(text);
        } catch (error) {
          expect(error).toBeInstanceOf(StructuredFieldError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('contentDigestMatches never throws and is true only for the real digest', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 64 }),
        (field, body) => {
          expect(contentDigestMatches(field, body)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('base64 round-trips and accepts only the canonical spelling', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes), 'base64')).toEqual(bytes);
        expect(decodeBase64(encodeBase64Url(bytes), 'base64url')).toEqual(bytes);
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(encodeBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      }),
    );
    // Non-zero unused bits: Buffer would accept these as aliases of `AA==` / `AA`.
    expect(decodeBase64('AB==', 'base64')).toBeUndefined();
    expect(decodeBase64('AB', 'base64url')).toBeUndefined();
    expect(decodeBase64('AA', 'base64')).toBeUndefined();
    expect(decodeBase64('AA==', 'base64url')).toBeUndefined();
  });
});
