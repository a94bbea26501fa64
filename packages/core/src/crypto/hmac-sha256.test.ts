import { createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256Key } from './hmac-sha256.js';

describe('HmacSha256Key', () => {
  it('signs exactly as createHmac does, for keys shorter and longer than a block', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ minLength: 1000, maxLength: 1100 }),
          fc.uint8Array({ minLength: 16_380, maxLength: 16_400 }),
        ),
        (secret, message) => {
          const key = new HmacSha256Key(createSecretKey(secret));
          const node = createHmac('sha256', secret).update(message).digest();
          expect(key.sign(message).equals(node)).toBe(true);
          const text = Buffer.from(message).toString('latin1');
          expect(key.signHex(text)).toBe(node.toString('hex'));
          expect(key.signBase64url(text)).toBe(node.toString('base64url'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('signs messages past its own buffer and past the shared scratch buffer', () => {
    const secret = Buffer.alloc(100, 7);
    const key = new HmacSha256Key(createSecretKey(secret));
    for (const length of [1024, 1025, 16 * 1024, 16 * 1024 + 1, 40_000]) {
      const message = Buffer.alloc(length, length & 255);
      expect(key.sign(message).equals(createHmac('sha256', secret).update(message).digest())).toBe(
        true,
      );
    }
  });
});
