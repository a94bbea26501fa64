import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64urlSegment } from './base64url.js';

describe('decodeBase64urlSegment', () => {
  it('round-trips every byte string through its one canonical encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const encoded = Buffer.from(bytes).toString('base64url');
        expect(decodeBase64urlSegment(encoded)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('never throws, and accepts only strings that are their bytes re-encoded', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const decoded = decodeBase64urlSegment(text);
        if (decoded !== undefined) expect(decoded.toString('base64url')).toBe(text);
      }),
    );
  });

  it.each([
    ['padding', 'YQ=='],
    ['non-canonical trailing bits', 'YR'],
    ['standard base64', 'a+/a'],
    ['whitespace', 'YQ '],
    ['a lone character', 'Y'],
    ['non-ASCII', 'YQé'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64urlSegment(text)).toBeUndefined();
  });
});
