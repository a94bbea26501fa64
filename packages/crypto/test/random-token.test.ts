import { crc32 } from 'node:zlib';
import { RampartConfigError } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { compileTokenFormat, parseToken, randomToken, tokenEntropyBits } from '../src/index.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Every character a mutation tries: base62, the separator, and some that are never valid. */
const REPLACEMENTS = [...BASE62, '_', '-', '.', ' ', '=', '+', '/', '\u0000', 'é', '\u0130'];

describe('randomToken', () => {
  it('is <prefix>_<43 random base62><6 base62 CRC32> by default', () => {
    const token = randomToken({ prefix: 'rk_live' });
    expect(token).toMatch(/^rk_live_[0-9A-Za-z]{49}$/);
    const body = token.slice(0, -6);
    let crc = crc32(body);
    let digits = '';
    for (let i = 0; i < 6; i++) {
      digits = BASE62[crc % 62] + digits;
      crc = Math.floor(crc / 62);
    }
    expect(token.slice(-6)).toBe(digits);
  });

  it('states its entropy: ⌈8·bytes / log2 62⌉ random characters, at least 8·bytes bits', () => {
    for (const [bytes, characters] of [
      [16, 22],
      [24, 33],
      [32, 43],
      [64, 86],
    ] as const) {
      const token = randomToken({ bytes, checksum: false });
      expect(token).toHaveLength(characters);
      expect(tokenEntropyBits({ bytes })).toBeGreaterThanOrEqual(8 * bytes);
      expect(tokenEntropyBits({ bytes })).toBeCloseTo(characters * Math.log2(62), 10);
    }
    expect(tokenEntropyBits()).toBeCloseTo(256.03, 2);
  });

  it('draws every base62 character about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      for (const c of randomToken({ checksum: false })) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const expected = (20_000 * 43) / 62; // ≈ 13 871 per character, σ ≈ 117
    for (const count of counts.values()) expect(Math.abs(count - expected)).toBeLessThan(8 * 117);
  });

  it('finds no duplicate in 1,000,000 tokens', { timeout: 120_000 }, () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) seen.add(randomToken({ prefix: 'rk' }));
    expect(seen.size).toBe(1_000_000);
  });

  it.each([
    [{ bytes: 15 }, 'randomToken.bytes'],
    [{ bytes: 65 }, 'randomToken.bytes'],
    [{ bytes: 32.5 }, 'randomToken.bytes'],
    [{ prefix: '' }, 'randomToken.prefix'],
    [{ prefix: 'rk_' }, 'randomToken.prefix'],
    [{ prefix: '1rk' }, 'randomToken.prefix'],
    [{ prefix: 'r-k' }, 'randomToken.prefix'],
    [{ prefix: 'r'.repeat(33) }, 'randomToken.prefix'],
    [{ checksum: 'yes' }, 'randomToken.checksum'],
    [{ size: 32 }, 'randomToken.size'],
  ])('refuses the format %j, naming the option', (format, option) => {
    try {
      randomToken(format as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RampartConfigError);
      expect((error as RampartConfigError).option).toBe(option);
    }
  });
});

describe('parseToken', () => {
  it('parses what randomToken makes, in every format', () => {
    for (const format of [
      {},
      { prefix: 'rk_live' },
      { bytes: 16, checksum: false },
      { prefix: 'ghp', bytes: 20 },
    ]) {
      const token = randomToken(format);
      const parsed = parseToken(token, format);
      expect(parsed?.token).toBe(token);
      expect(parsed?.prefix).toBe((format as { prefix?: string }).prefix);
      expect(token).toContain(parsed?.random);
    }
  });

  it('catches every single-character change, at every position, to every character', () => {
    for (const format of [{ prefix: 'rk_live' }, {}, { prefix: 'a', bytes: 16 }]) {
      for (let n = 0; n < 10; n++) {
        const token = randomToken(format);
        for (let position = 0; position < token.length; position++) {
          for (const c of REPLACEMENTS) {
            if (c === token[position]) continue;
            const changed = token.slice(0, position) + c + token.slice(position + 1);
            expect(parseToken(changed, format)).toBeUndefined();
          }
        }
      }
    }
  });

  it('refuses a token of another length, prefix or format, and anything not a string', () => {
    const token = randomToken({ prefix: 'rk' });
    for (const bad of [
      token.slice(1),
      token.slice(0, -1),
      `${token}0`,
      `x${token}`,
      token.replace('rk_', 'RK_'),
      '',
      undefined,
      null,
      42,
      Buffer.from(token),
    ]) {
      expect(parseToken(bad, { prefix: 'rk' })).toBeUndefined();
    }
    expect(parseToken(token, { prefix: 'rx' })).toBeUndefined();
    expect(parseToken(token)).toBeUndefined();
    expect(parseToken(token, { prefix: 'rk', bytes: 24 })).toBeUndefined();
  });

  it('without a checksum still refuses a wrong length or a character outside base62', () => {
    const token = randomToken({ checksum: false });
    expect(parseToken(token, { checksum: false })?.random).toBe(token);
    expect(parseToken(`${token.slice(1)}_`, { checksum: false })).toBeUndefined();
    expect(parseToken(token.slice(1), { checksum: false })).toBeUndefined();
  });
});

describe('compileTokenFormat', () => {
  it('makes and parses the same tokens as the options it was given', () => {
    for (const options of [
      {},
      { prefix: 'rk_live' },
      { bytes: 16, checksum: false },
      { bytes: 64 },
    ]) {
      const compiled = compileTokenFormat(options);
      expect(tokenEntropyBits(compiled)).toBe(tokenEntropyBits(options));
      const token = randomToken(compiled);
      expect(parseToken(token, options)).toEqual(parseToken(token, compiled));
      expect(parseToken(token, compiled)?.token).toBe(token);
      const other = randomToken(options);
      expect(parseToken(other, compiled)?.token).toBe(other);
      expect(parseToken(`${token}0`, compiled)).toBeUndefined();
    }
  });

  it('refuses every single-character change, as parseToken with options does', () => {
    const compiled = compileTokenFormat({ prefix: 'rk' });
    const token = randomToken(compiled);
    for (let position = 0; position < token.length; position++) {
      for (const c of REPLACEMENTS) {
        if (c === token[position]) continue;
        const changed = token.slice(0, position) + c + token.slice(position + 1);
        expect(parseToken(changed, compiled)).toBeUndefined();
      }
    }
  });

  it('names the option at fault once, when it compiles, and cannot be changed afterwards', () => {
    expect(() => compileTokenFormat({ prefix: 'rk_' })).toThrow(RampartConfigError);
    expect(() => compileTokenFormat({ bytes: 8 })).toThrow(/compileTokenFormat\.bytes/);
    expect(() => compileTokenFormat({ size: 32 } as never)).toThrow(/compileTokenFormat\.size/);
    const compiled = compileTokenFormat({ prefix: 'rk' });
    expect(Object.isFrozen(compiled)).toBe(true);
    expect(() => {
      (compiled as { prefix: string }).prefix = 'rx';
    }).toThrow(TypeError);
    expect(randomToken(compiled)).toMatch(/^rk_/);
  });

  it('is not taken for one when a plain object has the same fields: those are validated', () => {
    const lookalike = { ...compileTokenFormat({ prefix: 'rk' }) };
    expect(() => randomToken(lookalike as never)).toThrow(/randomToken\.head/);
  });
});
