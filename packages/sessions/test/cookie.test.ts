import { isRampartError } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COOKIE_HEADER_LENGTH, readCookie, serializeSetCookie } from '../src/index.js';

function outcome(run: () => unknown): { value?: unknown; error?: unknown } {
  try {
    return { value: run() };
  } catch (error) {
    return { error };
  }
}

describe('readCookie', () => {
  it('finds its cookie among others, as browsers send them', () => {
    expect(readCookie('a=1; __Host-sid=abc.DEF; b=2', '__Host-sid')).toBe('abc.DEF');
    expect(readCookie('__Host-sid="abc"', '__Host-sid')).toBe('abc');
    expect(readCookie(['a=1', '__Host-sid=x'], '__Host-sid')).toBe('x');
    expect(readCookie('a=1', '__Host-sid')).toBeUndefined();
    expect(readCookie(undefined, '__Host-sid')).toBeUndefined();
    expect(readCookie('__Host-sid=x; __Host-sid=x', '__Host-sid')).toBe('x');
  });

  it("skips other cookies' junk, which is not ours to judge", () => {
    expect(readCookie('tracking=a b"c\\; novalue; =x; __Host-sid=ok', '__Host-sid')).toBe('ok');
  });

  it('matches the name exactly: a prefix, a case change or spaces around = are other cookies', () => {
    expect(readCookie('__host-sid=x; x__Host-sid=y; __Host-sid =z', '__Host-sid')).toBeUndefined();
  });

  it.each([
    ['a value with a space', '__Host-sid=a b'],
    ['a value with a comma', '__Host-sid=a,b'],
    ['a value with a backslash', '__Host-sid=a\\b'],
    ['a value with a control character', '__Host-sid=a\u0001b'],
    ['a value with non-ASCII text', '__Host-sid=é'],
    ['the cookie twice with different values (cookie tossing)', '__Host-sid=a; __Host-sid=b'],
    ['a header over the limit', `a=${'x'.repeat(MAX_COOKIE_HEADER_LENGTH)}`],
  ])('refuses %s with 400 ERR_COOKIE_MALFORMED', (_, header) => {
    expect(outcome(() => readCookie(header, '__Host-sid')).error).toMatchObject({
      status: 400,
      code: 'ERR_COOKIE_MALFORMED',
    });
  });

  it('property: no input throws anything but a 400 RampartError, and a found value is cookie-octets', () => {
    const name = fc.constantFrom('__Host-sid', 'sid', 'a');
    const piece = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.tuple(name, fc.string({ maxLength: 60 })).map(([n, v]) => `${n}=${v}`),
      fc.constantFrom(';', ' ', '=', '"', '""', '\t', '__Host-sid=', '__Host-sid="'),
    );
    const header = fc.oneof(
      fc
        .tuple(fc.array(piece, { maxLength: 12 }), fc.constantFrom('; ', ';', ''))
        .map(([pieces, separator]) => pieces.join(separator)),
      fc.array(
        fc.array(piece, { maxLength: 4 }).map((pieces) => pieces.join('; ')),
        { maxLength: 3 },
      ),
      fc.string({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(header, name, (input, cookieName) => {
        const { value, error } = outcome(() => readCookie(input, cookieName));
        if (error !== undefined) {
          expect(isRampartError(error)).toBe(true);
          expect((error as { status: number }).status).toBe(400);
          return;
        }
        if (value !== undefined)
          expect(value).toMatch(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('serializeSetCookie', () => {
  const base = { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' as const };

  it('writes the attributes in a fixed order', () => {
    expect(serializeSetCookie('__Host-sid', 'abc', { ...base, maxAgeSeconds: 60 })).toBe(
      '__Host-sid=abc; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax',
    );
    expect(serializeSetCookie('sid', '', { ...base, secure: false, maxAgeSeconds: 0 })).toBe(
      'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax',
    );
  });

  it.each([
    ['a name that is not a token', () => serializeSetCookie('a b', 'x', base)],
    ['a value with ;', () => serializeSetCookie('sid', 'a;b', base)],
    ['a path with ;', () => serializeSetCookie('sid', 'x', { ...base, path: '/;Domain=evil' })],
    ['a negative Max-Age', () => serializeSetCookie('sid', 'x', { ...base, maxAgeSeconds: -1 })],
    ['a fractional Max-Age', () => serializeSetCookie('sid', 'x', { ...base, maxAgeSeconds: 1.5 })],
    [
      '__Host- without Secure',
      () => serializeSetCookie('__Host-sid', 'x', { ...base, secure: false }),
    ],
    [
      '__Host- on a sub-path',
      () => serializeSetCookie('__Host-sid', 'x', { ...base, path: '/app' }),
    ],
    [
      'SameSite=None without Secure',
      () => serializeSetCookie('sid', 'x', { ...base, secure: false, sameSite: 'None' }),
    ],
  ])('throws for %s', (_, run) => {
    expect(run).toThrow(TypeError);
  });
});
