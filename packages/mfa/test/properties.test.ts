import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCode } from '../src/code-format.js';
import { generateRecoveryCode } from '../src/recovery-codes.js';
import { matchingTimeStep, type TotpSettings, totpCodeAt } from '../src/totp.js';

type Algorithm = TotpSettings['algorithm'];
const BLOCK_BYTES: Record<Algorithm, number> = { sha1: 64, sha256: 64, sha512: 128 };

/**
 * HMAC written from RFC 2104 over the bare hash (node's createHash), independent of createHmac,
 * of otplib and of noble: H((K ^ opad) || H((K ^ ipad) || m)).
 */
function referenceHmac(algorithm: Algorithm, key: Uint8Array, message: Uint8Array): Buffer {
  const block = BLOCK_BYTES[algorithm];
  let k = Buffer.from(key);
  if (k.length > block) k = createHash(algorithm).update(k).digest();
  const padded = Buffer.concat([k, Buffer.alloc(block - k.length)]);
  const inner = createHash(algorithm)
    .update(padded.map((byte) => byte ^ 0x36))
    .update(message)
    .digest();
  return createHash(algorithm)
    .update(padded.map((byte) => byte ^ 0x5c))
    .update(inner)
    .digest();
}

/** RFC 4226 §5.3 HOTP on the reference HMAC. */
function referenceHotp(algorithm: Algorithm, key: Uint8Array, counter: number, digits: number) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = referenceHmac(algorithm, key, message);
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

const settingsArbitrary = fc.record({
  algorithm: fc.constantFrom<Algorithm>('sha1', 'sha256', 'sha512'),
  digits: fc.constantFrom<6 | 7 | 8>(6, 7, 8),
  period: fc.constantFrom(30, 60),
  window: fc.constantFrom(0, 1, 2),
});

describe('TOTP against an independent HMAC', () => {
  it('every code equals the reference HOTP of its step', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 200 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        settingsArbitrary,
        (secret, step, settings) => {
          expect(totpCodeAt(secret, step, settings)).toBe(
            referenceHotp(settings.algorithm, secret, step, settings.digits),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds the step of a reference code within the window, and no step outside it', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 64 }),
        fc.integer({ min: 10, max: 2 ** 31 }),
        fc.integer({ min: -4, max: 4 }),
        settingsArbitrary,
        (secret, nowStep, offset, settings) => {
          const step = nowStep + offset;
          const code = referenceHotp(settings.algorithm, secret, step, settings.digits);
          const now = nowStep * settings.period * 1000 + 1234;
          const found = matchingTimeStep(secret, code, now, settings);
          if (Math.abs(offset) <= settings.window) {
            // Another step of the window may share the code (odds 10^-digits): the highest wins.
            expect(found).toBeGreaterThanOrEqual(step);
          } else if (found !== undefined) {
            // Only a step of the window whose code collides with this one.
            expect(Math.abs(found - nowStep)).toBeLessThanOrEqual(settings.window);
            expect(totpCodeAt(secret, found, settings)).toBe(code);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('code format', () => {
  it('accepts exactly the configured ASCII digits, and nothing else as a TOTP code', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12, unit: 'binary' }), (input) => {
        const parsed = parseCode(input, 6, false);
        expect(parsed === undefined || /^[0-9]{6}$/.test(input)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['', 'empty'],
    ['12345', 'too short'],
    ['1234567', 'too long'],
    [' 123456', 'a space'],
    ['123 456', 'a space inside'],
    ['１２３４５６', 'full-width digits'],
    ['١٢٣٤٥٦', 'Arabic-Indic digits'],
    ['12345\n', 'a trailing newline'],
    ['0x1234', 'a hex literal'],
    ['1e5000', 'an exponent'],
  ])('refuses %j (%s)', (input) => {
    expect(parseCode(input, 6, true)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    for (const input of [123456, null, undefined, ['123456'], { code: '123456' }]) {
      expect(parseCode(input, 6, true)).toBeUndefined();
    }
  });

  it('reads a recovery code in either case, only where one is accepted', () => {
    expect(parseCode('ABCDE-23456', 6, true)).toEqual({ kind: 'recovery', code: 'abcde-23456' });
    expect(parseCode('abcde-23456', 6, false)).toBeUndefined();
    expect(parseCode('abcde23456', 6, true)).toBeUndefined();
    expect(parseCode('abcd1-23456', 6, true)).toBeUndefined();
  });

  it('generates recovery codes of 10 base32 characters that parse back', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 500; index++) {
      const code = generateRecoveryCode();
      expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
      expect(parseCode(code, 6, true)).toEqual({ kind: 'recovery', code });
      seen.add(code);
    }
    expect(seen.size).toBe(500);
  });
});
