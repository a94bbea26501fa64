import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../src/index.js';

describe('constantTimeEqual', () => {
  it('is true exactly when two strings are equal, short (≤ 128) or long', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.nat(),
        fc.constantFrom('a', '0', '\u0161', '\ud800', '\udc00', '\u0000'),
        (text, at, c) => {
          expect(constantTimeEqual(text, text)).toBe(true);
          if (text.length === 0) return;
          const position = at % text.length;
          const other = text.slice(0, position) + c + text.slice(position + 1);
          expect(constantTimeEqual(text, other)).toBe(text === other);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('tells apart long strings that differ only in lone surrogates (UTF-8 writes both as U+FFFD)', () => {
    const a = `${'x'.repeat(200)}\ud800`;
    const b = `${'x'.repeat(200)}\udc00`;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(constantTimeEqual(a, b)).toBe(false);
  });

  it('compares bytes, and is false for different lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(constantTimeEqual(a, Uint8Array.from(a))).toBe(true);
      }),
    );
  });

  it('refuses to compare a string with bytes', () => {
    expect(() => constantTimeEqual('a', new Uint8Array([0x61]))).toThrow(TypeError);
  });
});
