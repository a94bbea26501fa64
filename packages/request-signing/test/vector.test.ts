import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createFakeClock, MemoryNonceStore } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../src/client.js';
import {
  createRequestVerifier,
  importSigningSecret,
  rampartV1SigningString,
  staticSigningSecrets,
} from '../src/index.js';
import { SIGNATURE_HEX, SIGNATURE_HEX_PATTERN } from '../src/shared/fields.js';
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

describe('HmacSha256Key', () => {
  it('equals createHmac for any key of 32–64 bytes and any message', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 64 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ minLength: 1000, maxLength: 1100 }),
          fc.uint8Array({ minLength: 16_380, maxLength: 16_400 }),
        ),
        (key, message) => {
          const ours = importSigningSecret(key).sign(message);
          const node = createHmac('sha256', key).update(message).digest();
          expect(ours.equals(node)).toBe(true);
          const text = Buffer.from(message).toString('latin1');
          expect(importSigningSecret(key).sign(text).equals(node)).toBe(true);
          expect(importSigningSecret(key).signHex(text)).toBe(node.toString('hex'));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('SIGNATURE_HEX', () => {
  it('accepts exactly what SIGNATURE_HEX_PATTERN accepts', () => {
    const hexChar = fc.constantFrom(...'0123456789abcdefABCDEFg/:`G \u00e0\u0130'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 70 }),
          fc.string({ unit: hexChar, minLength: 62, maxLength: 66 }),
          fc.string({
            unit: fc.constantFrom(...'0123456789abcdef'.split('')),
            minLength: 64,
            maxLength: 64,
          }),
        ),
        (value) => {
          expect(SIGNATURE_HEX.test(value)).toBe(SIGNATURE_HEX_PATTERN.test(value));
        },
      ),
      { numRuns: 2000 },
    );
    expect(SIGNATURE_HEX.test('0'.repeat(64))).toBe(true);
    expect(SIGNATURE_HEX.test(`${'0'.repeat(63)}g`)).toBe(false);
    expect(SIGNATURE_HEX.test(`${'0'.repeat(63)}\u0130`)).toBe(false);
  });
});
