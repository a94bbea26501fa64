import { isRampartError } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf } from '../src/index.js';

const keyOf = (value: string | string[]) => idempotencyKeyOf({ 'idempotency-key': value });

describe('idempotencyKeyOf', () => {
  it('reads a structured-field string and unescapes it', () => {
    expect(keyOf('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe(
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
    expect(keyOf('"a\\"b\\\\c"')).toBe('a"b\\c');
    expect(idempotencyKeyOf({})).toBeUndefined();
  });

  it.each([
    ['a token', 'abc'],
    ['an empty string', '""'],
    ['an unknown escape', '"a\\nb"'],
    ['a lone backslash', '"a\\"'],
    ['a space', '"a b"'],
    ['a tab', '"a\tb"'],
    ['non-ASCII', '"caf\u00e9"'],
    ['parameters', '"a";p=1'],
    ['a list', '"a","b"'],
    ['a byte sequence', ':YWJj:'],
    ['an integer', '42'],
    ['trailing text', '"a" x'],
    ['256 characters', `"${'a'.repeat(256)}"`],
    ['255 characters with a space', `"${'a'.repeat(254)} "`],
  ])('refuses %s with 400 ERR_IDEMPOTENCY_KEY_INVALID', (_name, value) => {
    expect(() => keyOf(value)).toThrow(
      expect.objectContaining({ code: 'ERR_IDEMPOTENCY_KEY_INVALID', status: 400 }),
    );
  });

  it('refuses a header sent twice, even with the same value', () => {
    expect(() => keyOf(['"a"', '"a"'])).toThrow(
      expect.objectContaining({ code: 'ERR_IDEMPOTENCY_KEY_INVALID' }),
    );
  });

  it('accepts 255 characters once unescaped, each escaped', () => {
    expect(keyOf(`"${'\\"'.repeat(255)}"`)).toBe('"'.repeat(255));
  });

  it('never throws anything but a RampartError, and reads back what a serialiser wrote', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (value) => {
        try {
          keyOf(value);
        } catch (error) {
          expect(isRampartError(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    const visible = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
      minLength: 1,
      maxLength: 255,
    });
    fc.assert(
      fc.property(visible, (key) => {
        expect(keyOf(`"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });
});
