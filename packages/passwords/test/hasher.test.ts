import { isRampartError, RampartConfigError } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, normalizePassword } from '../src/index.js';

describe('createPasswordHasher with the OWASP defaults', () => {
  const passwords = createPasswordHasher();

  it('hashes with argon2id m=19456 t=2 p=1 and a fresh salt', async () => {
    const first = await passwords.hash('correct horse battery staple');
    const second = await passwords.hash('correct horse battery staple');
    expect(first).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(first).not.toBe(second);
    expect(passwords.needsRehash(first)).toBe(false);
  });

  it('verifies the right password only', async () => {
    const stored = await passwords.hash('correct horse battery staple');
    expect(await passwords.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await passwords.verify(stored, 'correct horse battery stapl')).toBe(false);
    expect(await passwords.verify(stored, 'Correct horse battery staple')).toBe(false);
  });

  it('answers false for an unknown user or a malformed stored hash, after a dummy verify', async () => {
    expect(await passwords.verify(undefined, 'whatever it is')).toBe(false);
    expect(await passwords.verify(null, 'whatever it is')).toBe(false);
    expect(await passwords.verify('$argon2id$v=19$m=1,t=1,p=1$bad', 'x')).toBe(false);
    expect(await passwords.verify('plain-text-password', 'plain-text-password')).toBe(false);
  });

  it('treats NFC and NFD spellings, and full-width digits, as the same password', async () => {
    const stored = await passwords.hash('caf\u00e9 123 long enough');
    expect(await passwords.verify(stored, 'cafe\u0301 123 long enough')).toBe(true);
    expect(await passwords.verify(stored, 'caf\u00e9 \uff11\uff12\uff13 long enough')).toBe(true);
  });
});

describe('the size cap comes before any hashing', () => {
  const passwords = createPasswordHasher({ memoryCost: 7168, timeCost: 1 });

  it.each([
    ['1025 ASCII bytes', 'a'.repeat(1025)],
    ['342 three-byte characters (1026 bytes)', '\u20ac'.repeat(342)],
    ['a short string that NFKC expands past the cap', '\ufdfa'.repeat(60)],
  ])(
    'refuses %s with 400 ERR_PASSWORD_TOO_LONG, on hash and on verify',
    async (_name, password) => {
      await expect(passwords.hash(password)).rejects.toMatchObject({
        status: 400,
        code: 'ERR_PASSWORD_TOO_LONG',
      });
      await expect(passwords.verify(undefined, password)).rejects.toMatchObject({
        code: 'ERR_PASSWORD_TOO_LONG',
      });
    },
  );

  it('accepts exactly 1024 bytes', async () => {
    const stored = await passwords.hash('a'.repeat(1024));
    expect(await passwords.verify(stored, 'a'.repeat(1024))).toBe(true);
  });

  it.each([[''], [undefined], [42], [{ toString: () => 'x' }]])(
    'refuses %p with 400 ERR_PASSWORD_INVALID',
    async (value) => {
      await expect(passwords.hash(value)).rejects.toMatchObject({
        status: 400,
        code: 'ERR_PASSWORD_INVALID',
      });
    },
  );

  it('refuses a lone surrogate with 400 ERR_PASSWORD_INVALID: two such passwords hashed alike', async () => {
    // UTF-8 has no encoding of a lone surrogate: each became U+FFFD before hashing, so
    // "a\ud800b", "a\udfffb" and "a\ufffdb" were one password.
    for (const password of ['Tangerine-\ud800-Quartz', 'Tangerine-\udfff-Quartz', '\udc00']) {
      await expect(passwords.hash(password)).rejects.toMatchObject({
        code: 'ERR_PASSWORD_INVALID',
      });
      await expect(passwords.verify(null, password)).rejects.toMatchObject({
        code: 'ERR_PASSWORD_INVALID',
      });
    }
    // A well-formed pair (an emoji) is a password like any other.
    const stored = await passwords.hash('Tangerine-\ud83d\ude80-Quartz');
    expect(await passwords.verify(stored, 'Tangerine-\ud83d\ude80-Quartz')).toBe(true);
  });

  it('normalizePassword throws nothing but a 400 RampartError, whatever it gets', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 1100 }), fc.anything()), (value) => {
        try {
          expect(Buffer.byteLength(normalizePassword(value, 1024))).toBeLessThanOrEqual(1024);
        } catch (error) {
          expect(isRampartError(error) && error.status === 400).toBe(true);
        }
      }),
    );
  });
});

describe('needsRehash', () => {
  it('asks for a rehash when the parameters or the algorithm differ', async () => {
    const weak = createPasswordHasher({ memoryCost: 7168, timeCost: 1 });
    const strong = createPasswordHasher();
    const stored = await weak.hash('correct horse battery staple');
    expect(weak.needsRehash(stored)).toBe(false);
    expect(strong.needsRehash(stored)).toBe(true);
    expect(await strong.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(
      strong.needsRehash(
        '$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY',
      ),
    ).toBe(true);
    expect(strong.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });
});

describe('configuration', () => {
  it.each([
    [{ memoryCost: 1024 }, 'createPasswordHasher.memoryCost'],
    [{ timeCost: 0 }, 'createPasswordHasher.timeCost'],
    [{ maxPasswordBytes: 10 }, 'createPasswordHasher.maxPasswordBytes'],
    [{ saltLength: 8 }, 'createPasswordHasher'],
  ])('%o throws naming %s', (options, option) => {
    expect(() => createPasswordHasher(options as never)).toThrow(RampartConfigError);
    try {
      createPasswordHasher(options as never);
    } catch (error) {
      expect((error as RampartConfigError).option).toBe(option);
    }
  });
});
