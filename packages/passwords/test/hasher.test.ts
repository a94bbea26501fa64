import { availableParallelism } from 'node:os';
import { isRampartError, RampartConfigError } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Argon2Backend, createPasswordHasherOn } from '../src/hasher.js';
import { createPasswordHasher, normalizePassword } from '../src/index.js';
import { type Deferred, deferred, settle } from './deferred.js';

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
    [{ memoryCost: 1024 }, 'createPasswordHasher.memoryCost', 'ERR_CONFIG_OUT_OF_RANGE'],
    [{ timeCost: 0 }, 'createPasswordHasher.timeCost', 'ERR_CONFIG_OUT_OF_RANGE'],
    [{ maxPasswordBytes: 10 }, 'createPasswordHasher.maxPasswordBytes', 'ERR_CONFIG_OUT_OF_RANGE'],
    [{ saltLength: 8 }, 'createPasswordHasher.saltLength', 'ERR_CONFIG_UNKNOWN_OPTION'],
    [{ concurrency: 0 }, 'createPasswordHasher.concurrency', 'ERR_CONFIG_OUT_OF_RANGE'],
    [{ concurrency: 1.5 }, 'createPasswordHasher.concurrency', 'ERR_CONFIG_INVALID_VALUE'],
    [{ concurrency: '2' }, 'createPasswordHasher.concurrency', 'ERR_CONFIG_INVALID_TYPE'],
    [{ maxQueued: -1 }, 'createPasswordHasher.maxQueued', 'ERR_CONFIG_OUT_OF_RANGE'],
    [
      { maxQueued: Number.POSITIVE_INFINITY },
      'createPasswordHasher.maxQueued',
      'ERR_CONFIG_INVALID_TYPE',
    ],
  ])('%o throws naming %s (%s)', (options, option, code) => {
    expect(() => createPasswordHasher(options as never)).toThrow(RampartConfigError);
    try {
      createPasswordHasher(options as never);
    } catch (error) {
      expect(error).toMatchObject({ option, code });
    }
  });
});

/** An argon2 backend whose every call waits until the test settles it. */
function controlledBackend() {
  const calls: Array<{ kind: 'hash' | 'verify'; work: Deferred<unknown> }> = [];
  const backend: Argon2Backend = {
    hash() {
      const work = deferred<string>();
      calls.push({ kind: 'hash', work });
      return work.promise;
    },
    verify() {
      const work = deferred<boolean>();
      calls.push({ kind: 'verify', work });
      return work.promise;
    },
  };
  return { backend, calls };
}

describe('hashes in flight are bounded', () => {
  it('every verify, an unknown user’s dummy verify included, waits for a slot; beyond the bound, 503 ERR_BUSY', async () => {
    const { backend, calls } = controlledBackend();
    const passwords = createPasswordHasherOn(backend, { concurrency: 1, maxQueued: 1 });
    // The dummy hash is made at construction, in a slot like any other hash.
    expect(calls.map((call) => call.kind)).toEqual(['hash']);
    calls[0]?.work.resolve('$argon2id$v=19$m=19456,t=2,p=1$dummy');
    await settle();

    const known = passwords.verify('$argon2id$v=19$m=19456,t=2,p=1$stored', 'a wrong password');
    const unknown = passwords.verify(undefined, 'any password at all');
    await settle();
    // One verify runs; the unknown user's waits in the one queue place.
    expect(calls.map((call) => call.kind)).toEqual(['hash', 'verify']);
    for (const refused of [
      passwords.verify(undefined, 'another unknown user'),
      passwords.verify('$argon2id$v=19$m=19456,t=2,p=1$stored', 'a wrong password'),
      passwords.hash('a new password, long enough'),
    ]) {
      const error: unknown = await refused.catch((caught: unknown) => caught);
      expect(isRampartError(error)).toBe(true);
      expect(error).toMatchObject({
        status: 503,
        code: 'ERR_BUSY',
        headers: { 'Retry-After': '1' },
      });
    }
    expect(calls).toHaveLength(2);

    calls[1]?.work.resolve(false);
    expect(await known).toBe(false);
    await settle();
    expect(calls.map((call) => call.kind)).toEqual(['hash', 'verify', 'verify']);
    calls[2]?.work.resolve(true);
    // The dummy matched (it cannot, but the answer for an unknown user is `false` regardless).
    expect(await unknown).toBe(false);
  });

  it('a hash or verify that fails frees its slot; a failed verify is `false`, a failed hash an error', async () => {
    const { backend, calls } = controlledBackend();
    const passwords = createPasswordHasherOn(backend, { concurrency: 1, maxQueued: 0 });
    calls[0]?.work.reject(new Error('out of memory'));
    await settle();
    const hashed = passwords.hash('a new password, long enough');
    await settle();
    calls[1]?.work.reject(new Error('out of memory'));
    await expect(hashed).rejects.toThrow('out of memory');

    const verified = passwords.verify('$argon2id$v=19$m=19456,t=2,p=1$stored', 'password!');
    await settle();
    calls[2]?.work.reject(new Error('invalid hash'));
    expect(await verified).toBe(false);

    // The dummy failed at construction: an unknown user makes it again (in a slot), then verifies.
    const unknown = passwords.verify(null, 'password!');
    await settle();
    expect(calls.map((call) => call.kind)).toEqual(['hash', 'hash', 'verify', 'hash']);
    calls[3]?.work.resolve('$argon2id$v=19$m=19456,t=2,p=1$dummy');
    await settle();
    calls[4]?.work.resolve(false);
    expect(await unknown).toBe(false);
  });

  it('with the real argon2: the calls past the bound are refused and the accepted ones complete', async () => {
    const passwords = createPasswordHasher({
      memoryCost: 7168,
      timeCost: 1,
      concurrency: 1,
      maxQueued: 2,
    });
    // Nothing can finish before this synchronous loop ends: the construction's dummy hash holds
    // the slot, two calls wait, the other three are refused.
    const calls = Array.from({ length: 5 }, (_, i) => passwords.hash(`password number ${i}`));
    const results = await Promise.allSettled(calls);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
    ]);
    for (const result of results.slice(2)) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_BUSY' });
    }
    const stored = (results[0] as PromiseFulfilledResult<string>).value;
    expect(await passwords.verify(stored, 'password number 0')).toBe(true);
  });

  it('defaults to the core count and 32 waiting per slot', () => {
    const { options } = createPasswordHasher();
    expect(options.concurrency).toBe(availableParallelism());
    expect(options.maxQueued).toBe(32 * availableParallelism());
    expect(createPasswordHasher({ concurrency: 3 }).options.maxQueued).toBe(96);
  });
});
