import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url } from './base64url.js';

describe('decodeBase64url', () => {
  it('decodes every byte string from its unpadded base64url spelling', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const decoded = decodeBase64url(Buffer.from(bytes).toString('base64url'));
        expect(decoded).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts only the one canonical spelling of a byte string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/), (text) => {
        const decoded = decodeBase64url(text);
        if (decoded === undefined) return;
        expect(decoded.toString('base64url')).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['YR', 'non-zero unused bits (Buffer reads it as YQ)'],
    ['YWJ', 'non-zero unused bits, 2 bytes'],
    ['YQ==', 'padding'],
    ['YQ=', 'partial padding'],
    ['Y', 'a length of 1 mod 4'],
    ['YWJjZ', 'a length of 1 mod 4, longer'],
    ['Y Q', 'a space'],
    ['YQ\n', 'a line break'],
    ['Y+/A', 'the standard alphabet'],
    ['YQ\u0000', 'a NUL'],
    ['Y\u0151', 'a character whose low byte is in the alphabet'],
  ])('refuses %j (%s)', (text) => {
    expect(decodeBase64url(text)).toBeUndefined();
  });

  it('agrees with the re-encode check on every string of up to 3 characters, and on random ones', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The reference: decode, then accept only if re-encoding gives the text back.
    const reencodes = (text: string) =>
      /^[A-Za-z0-9_-]*$/.test(text) &&
      text.length % 4 !== 1 &&
      Buffer.from(text, 'base64url').toString('base64url') === text;
    const agrees = (text: string) => {
      const decoded = decodeBase64url(text);
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

  it('decodes the empty string to no bytes', () => {
    expect(decodeBase64url('')).toEqual(Buffer.alloc(0));
  });
});
