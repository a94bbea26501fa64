import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MAC_TEXT_LENGTH, macTextEquals } from './mac-text.js';

describe('macTextEquals', () => {
  const texts = fc.oneof(
    fc.stringMatching(/^[0-9a-f]{64}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/),
  );

  it('is true exactly when the two strings are equal, wherever they differ, past latin1 too', () => {
    fc.assert(
      fc.property(
        texts,
        fc.nat(63),
        fc.constantFrom('0', 'f', 'g', 'A', '-', '\u0130', '\u0161', '\u0000'),
        (mac, position, c) => {
          const at = position % mac.length;
          const other = mac.slice(0, at) + c + mac.slice(at + 1);
          expect(macTextEquals(mac, other)).toBe(mac === other);
          expect(macTextEquals(mac, mac)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is false for any other length, and for texts longer than it compares', () => {
    const mac = 'a'.repeat(64);
    expect(macTextEquals(mac, mac.slice(1))).toBe(false);
    expect(macTextEquals(mac, `${mac}a`)).toBe(false);
    expect(macTextEquals(mac.slice(1), mac.slice(1))).toBe(true);
    const long = 'b'.repeat(MAX_MAC_TEXT_LENGTH + 1);
    expect(macTextEquals(long, long)).toBe(false);
  });

  it('compares texts of different lengths one after another without mixing them', () => {
    const hex = 'ab'.repeat(32);
    const b64 = 'Q'.repeat(43);
    expect(macTextEquals(hex, hex)).toBe(true);
    expect(macTextEquals(b64, b64)).toBe(true);
    expect(macTextEquals(hex, `${hex.slice(0, 63)}c`)).toBe(false);
    expect(macTextEquals(b64, `${b64.slice(0, 42)}R`)).toBe(false);
  });
});
