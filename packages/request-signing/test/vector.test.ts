import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createFakeClock, MemoryNonceStore } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../src/client.js';
import {
  createRequestVerifier,
  rampartV1SigningString,
  staticSigningSecrets,
} from '../src/index.js';
import {
  KEY_ID_PATTERN,
  METHOD_PATTERN,
  NONCE_PATTERN,
  parseTimestampMs,
  SIGNATURE_HEX,
  TARGET_PATTERN,
  TIMESTAMP_MS_PATTERN,
} from '../src/shared/fields.js';
import { securityRequest } from './helpers.js';

/** The worked example of the README, byte for byte. */
const VECTOR = {
  secret: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  keyId: 'client-a',
  method: 'POST',
  target: '/api/v1/entities/e1/records?dryRun=true',
  timestamp: '1767268800000',
  nonce: 'w3JtNmpX1jVbQ0mYc9d8Sg',
  body: '{"data":{"temperature":21}}',
  bodySha256Hex: 'f6201a0c06a21d30f16fcb6d08f99794aa6fd7c5e55d90d8220ac2f1711e94e2',
  signature: '2b04bdb63996185505c3d7387a0dbd54f6c671c7a3bb168a6b5e3df0f63324ae',
};

describe('the README test vector', () => {
  it('is the signing string and signature the README shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const message = rampartV1SigningString(VECTOR);
    expect(readme).toContain(message);
    expect(readme).toContain(VECTOR.signature);
    expect(readme).toContain(VECTOR.secret);
    const independent = createHmac('sha256', Buffer.from(VECTOR.secret, 'base64url'))
      .update(message)
      .digest('hex');
    expect(independent).toBe(VECTOR.signature);
  });

  it('is what the client produces', async () => {
    const headers = await signRequest({
      method: 'post',
      url: `https://api.example.com${VECTOR.target}`,
      body: VECTOR.body,
      keyId: VECTOR.keyId,
      secret: VECTOR.secret,
      now: Number(VECTOR.timestamp),
      nonce: VECTOR.nonce,
    });
    expect(headers).toEqual({
      'X-Key-Id': VECTOR.keyId,
      'X-Nonce': VECTOR.nonce,
      'X-Timestamp': VECTOR.timestamp,
      'X-Signature': VECTOR.signature,
    });
  });

  it('verifies on the server', async () => {
    const verifier = createRequestVerifier({
      getSecrets: staticSigningSecrets({ [VECTOR.keyId]: VECTOR.secret }),
      nonceStore: new MemoryNonceStore(),
      clock: createFakeClock(Number(VECTOR.timestamp)),
    });
    const request = securityRequest(
      {
        'x-key-id': VECTOR.keyId,
        'x-nonce': VECTOR.nonce,
        'x-timestamp': VECTOR.timestamp,
        'x-signature': VECTOR.signature,
      },
      { url: VECTOR.target, body: VECTOR.body },
    );
    await expect(verifier.verify(request)).resolves.toMatchObject({ keyId: 'client-a' });
  });
});

describe('AsciiPattern', () => {
  const patterns = {
    KEY_ID_PATTERN,
    NONCE_PATTERN,
    TIMESTAMP_MS_PATTERN,
    SIGNATURE_HEX,
    METHOD_PATTERN,
    TARGET_PATTERN,
  };
  // Characters at and around every class edge, plus non-ASCII look-alikes and line breaks.
  const edgy = fc.constantFrom(
    ...'09afgAFGZ az/:._~-`@[{\x20\x21\x7e\x7f\n\r\t"\u00e0\u0130\u212a\u0000'.split(''),
  );
  for (const [name, pattern] of Object.entries(patterns)) {
    it(`${name} accepts exactly what ${String(pattern.source)} accepts`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 70 }),
            fc.string({ unit: edgy, maxLength: 70 }),
            fc.string({ unit: edgy, minLength: 60, maxLength: 66 }),
            fc.stringMatching(pattern.source),
            // A valid value with one character swapped for an edge character.
            fc.tuple(fc.stringMatching(pattern.source), fc.nat(), edgy).map(([valid, at, c]) => {
              const i = at % Math.max(valid.length, 1);
              return valid.slice(0, i) + c + valid.slice(i + 1);
            }),
          ),
          (value) => {
            expect(pattern.test(value)).toBe(pattern.source.test(value));
          },
        ),
        { numRuns: 3000 },
      );
    });
  }

  it('parseTimestampMs reads exactly what TIMESTAMP_MS_PATTERN accepts, as Number() would', () => {
    const digits = fc.constantFrom(...'0123456789'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.string({ unit: digits, maxLength: 18 }),
          fc.string({ unit: edgy, maxLength: 18 }),
          fc.bigInt({ min: 0n, max: 10n ** 17n }).map(String),
          fc.constantFrom('9007199254740991', '9007199254740992', '9999999999999999', '0', '01'),
        ),
        (text) => {
          const expected =
            TIMESTAMP_MS_PATTERN.source.test(text) && Number.isSafeInteger(Number(text))
              ? Number(text)
              : undefined;
          expect(parseTimestampMs(text)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
    expect(parseTimestampMs('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseTimestampMs('9007199254740992')).toBeUndefined();
    expect(parseTimestampMs('1764339000000')).toBe(1_764_339_000_000);
  });

  it('checks the length bounds exactly', () => {
    expect(NONCE_PATTERN.test('a'.repeat(15))).toBe(false);
    expect(NONCE_PATTERN.test('a'.repeat(16))).toBe(true);
    expect(NONCE_PATTERN.test('a'.repeat(64))).toBe(true);
    expect(NONCE_PATTERN.test('a'.repeat(65))).toBe(false);
    expect(TARGET_PATTERN.test(`/${'a'.repeat(8191)}`)).toBe(true);
    expect(TARGET_PATTERN.test(`/${'a'.repeat(8192)}`)).toBe(false);
    expect(TIMESTAMP_MS_PATTERN.test('0')).toBe(false);
    expect(TIMESTAMP_MS_PATTERN.test('1'.repeat(17))).toBe(false);
    expect(SIGNATURE_HEX.test(`${'0'.repeat(63)}\u0130`)).toBe(false);
  });
});
