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

  it('agrees with the re-encode check on every string of up to 3 characters, and on random ones', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The reference: decode, then accept only if re-encoding gives the segment back.
    const reencodes = (text: string) =>
      /^[A-Za-z0-9_-]*$/.test(text) &&
      text.length % 4 !== 1 &&
      Buffer.from(text, 'base64url').toString('base64url') === text;
    const agrees = (text: string) => {
      const decoded = decodeBase64urlSegment(text);
      if (decoded === undefined) return !reencodes(text);
      return reencodes(text) && decoded.equals(Buffer.from(text, 'base64url'));
    };
    const disagreements: string[] = [];
    const check = (text: string) => {
      if (!agrees(text)) disagreements.push(text);
    };
    check('');
    for (const a of alphabet) {
      check(a);
      for (const b of alphabet) {
        check(a + b);
        for (const c of alphabet) check(a + b + c);
      }
    }
    expect(disagreements).toEqual([]);
    const char = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...alphabet) },
      { weight: 1, arbitrary: fc.constantFrom('=', '+', '/', ' ', '.', 'é', '\n') },
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 90 }), (chars) => agrees(chars.join(''))),
      { numRuns: 20_000 },
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
