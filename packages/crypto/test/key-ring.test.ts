import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { RampartConfigError } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { CryptoUnknownKeyError, createKeyRing, generateKey } from '../src/index.js';
import { codeOf } from './helpers.js';

const AAD = { aad: 'mfa-secret:user-1' };

function configError(fn: () => unknown): RampartConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RampartConfigError) return error;
    throw error;
  }
  throw new Error('expected a RampartConfigError');
}

describe('createKeyRing: keys are checked at start-up', () => {
  it('accepts 32 bytes as a Uint8Array, base64url or hex (either case)', () => {
    const bytes = randomBytes(32);
    for (const key of [
      new Uint8Array(bytes),
      generateKey(),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
    ]) {
      expect(createKeyRing({ keys: [{ id: 'k1', key }] }).currentKeyId).toBe('k1');
    }
  });

  it.each([
    ['31 bytes', randomBytes(31), /exactly 32 bytes, got 31/, 'ERR_CONFIG_SECRET_TOO_SHORT'],
    ['33 bytes', randomBytes(33), /exactly 32 bytes, got 33/, 'ERR_CONFIG_OUT_OF_RANGE'],
    ['a short string', 'c2VjcmV0', /got a string of 8 characters/, 'ERR_CONFIG_INVALID_VALUE'],
    [
      'padded base64',
      randomBytes(32).toString('base64'),
      /44 characters/,
      'ERR_CONFIG_INVALID_VALUE',
    ],
    ['63 hex digits', 'a'.repeat(63), /63 characters/, 'ERR_CONFIG_INVALID_VALUE'],
    [
      'mixed-case hex',
      `${'ab'.repeat(16)}${'AB'.repeat(16)}`,
      /64 characters/,
      'ERR_CONFIG_INVALID_VALUE',
    ],
    ['a number', 42, /Uint8Array, or a base64url or hex string/, 'ERR_CONFIG_INVALID_TYPE'],
    ['no key', undefined, /is required/, 'ERR_CONFIG_MISSING_OPTION'],
  ])('refuses %s, naming the option', (_, key, message, code) => {
    const error = configError(() => createKeyRing({ keys: [{ id: 'k1', key: key as string }] }));
    expect(error.option).toBe('createKeyRing.keys.0.key');
    expect(error.message).toMatch(message);
    expect(error.code).toBe(code);
  });

  it('refuses a passphrase: printable text as bytes, as hex or base64url, or word-like base64url', () => {
    const passphrase = 'correct horse battery staple 123'; // 32 characters
    const variants = [
      Buffer.from(passphrase),
      Buffer.from(passphrase).toString('hex'),
      Buffer.from(passphrase).toString('base64url'),
      'this-is-my-super-secret-encryption-key-2024', // 43 base64url characters, 18 distinct
    ];
    for (const key of variants) {
      const error = configError(() => createKeyRing({ keys: [{ id: 'k1', key }] }));
      expect(error.option).toBe('createKeyRing.keys.0.key');
      expect(error.message).toMatch(/passphrase|words or a pattern/);
      expect(error.message).toContain('generateKey()');
      expect(error.code).toBe('ERR_CONFIG_INVALID_VALUE');
    }
  });

  it('refuses patterns: zeros, a repeated block, a short cycle', () => {
    const block = randomBytes(8);
    const cycle = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + (i % 15)));
    for (const key of [
      Buffer.alloc(32),
      '00'.repeat(32),
      Buffer.concat([block, block, block, block]).toString('hex'),
      cycle,
    ]) {
      expect(() => createKeyRing({ keys: [{ id: 'k1', key }] })).toThrow(/too few distinct bytes/);
    }
  });

  it('never repeats the key in the error', () => {
    const key = Buffer.from('correct horse battery staple 123').toString('hex');
    const error = configError(() => createKeyRing({ keys: [{ id: 'k1', key }] }));
    expect(error.message).not.toContain(key);
    expect(error.message).not.toContain('correct horse');
  });

  const key = generateKey();
  it.each([
    ['no key', { keys: [] }, 'createKeyRing.keys', /at least one/],
    ['no keys option', {}, 'createKeyRing.keys', /required/],
    ['an id with a dot', { keys: [{ id: 'a.b', key }] }, 'createKeyRing.keys.0.id', /dot/],
    ['an empty id', { keys: [{ id: '', key }] }, 'createKeyRing.keys.0.id', /1 to 32/],
    [
      'a 33-character id',
      { keys: [{ id: 'x'.repeat(33), key }] },
      'createKeyRing.keys.0.id',
      /1 to 32/,
    ],
    ['no id', { keys: [{ key }] }, 'createKeyRing.keys.0.id', /required/],
    [
      'an unknown field',
      { keys: [{ id: 'k1', kid: 'k1', key }] },
      'createKeyRing.keys.0.kid',
      /not an option/,
    ],
    [
      'maxPlaintextBytes 0',
      { keys: [{ id: 'k1', key }], maxPlaintextBytes: 0 },
      'createKeyRing.maxPlaintextBytes',
      /./,
    ],
    [
      'an unknown option',
      { keys: [{ id: 'k1', key }], other: 1 },
      'createKeyRing.other',
      /not an option/,
    ],
  ])('refuses %s, naming the option', (_, options, option, message) => {
    const error = configError(() => createKeyRing(options as never));
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it('refuses a duplicate key id, naming the second one', () => {
    const error = configError(() =>
      createKeyRing({
        keys: [
          { id: 'k1', key: generateKey() },
          { id: 'k2', key: generateKey() },
          { id: 'k1', key: generateKey() },
        ],
      }),
    );
    expect(error.option).toBe('createKeyRing.keys.2.id');
    expect(error.message).toMatch(/duplicates the id of keys\.0/);
    expect(error.code).toBe('ERR_CONFIG_INVALID_VALUE');
  });

  it('does not show key material through inspect or JSON', () => {
    const key = generateKey();
    const ring = createKeyRing({ keys: [{ id: 'k1', key }] });
    const hex = Buffer.from(key, 'base64url').toString('hex');
    for (const shown of [inspect(ring, { depth: 10, showHidden: true }), JSON.stringify(ring)]) {
      expect(shown).not.toContain(key);
      expect(shown).not.toContain(hex);
    }
  });

  it('does not change the caller’s key bytes', () => {
    const bytes = randomBytes(32);
    const copy = Buffer.from(bytes);
    createKeyRing({ keys: [{ id: 'k1', key: bytes }] });
    expect(bytes.equals(copy)).toBe(true);
  });
});

describe('seal and open', () => {
  const ring = createKeyRing({
    keys: [
      { id: 'k2', key: generateKey() },
      { id: 'k1', key: generateKey() },
    ],
  });

  it('seals with the first key into v1.<kid>.<iv>.<ciphertext+tag>', () => {
    const sealed = ring.seal('JBSWY3DPEHPK3PXP', AAD);
    expect(sealed).toMatch(/^v1\.k2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    // 16 plaintext bytes + 16 tag bytes = 32 bytes = 43 characters.
    expect(sealed.split('.')[3]).toHaveLength(43);
    expect(ring.currentKeyId).toBe('k2');
    expect(ring.keyIds).toEqual(['k2', 'k1']);
  });

  it('opens text and bytes, and two seals of one value differ (a fresh IV each)', () => {
    const a = ring.seal('JBSWY3DPEHPK3PXP', AAD);
    const b = ring.seal('JBSWY3DPEHPK3PXP', AAD);
    expect(a).not.toBe(b);
    expect(ring.openText(a, AAD)).toBe('JBSWY3DPEHPK3PXP');
    const bytes = randomBytes(100);
    expect(Buffer.from(ring.open(ring.seal(bytes, AAD), AAD)).equals(bytes)).toBe(true);
  });

  it('opens with AAD given as the same bytes or the same string', () => {
    const sealed = ring.seal('x', { aad: 'owner:1' });
    expect(ring.openText(sealed, { aad: Buffer.from('owner:1') })).toBe('x');
  });

  it('a value sealed by an older key of the ring still opens', () => {
    const k1 = generateKey();
    const old = createKeyRing({ keys: [{ id: 'k1', key: k1 }] });
    const rotated = createKeyRing({
      keys: [
        { id: 'k2', key: generateKey() },
        { id: 'k1', key: k1 },
      ],
    });
    expect(rotated.openText(old.seal('secret', AAD), AAD)).toBe('secret');
  });

  it('refuses a missing, empty or malformed AAD with a TypeError (a call-site mistake)', () => {
    const sealed = ring.seal('x', AAD);
    for (const options of [undefined, {}, { aad: '' }, { aad: new Uint8Array(0) }, { aad: 1 }]) {
      expect(() => ring.seal('x', options as never)).toThrow(TypeError);
      expect(() => ring.open(sealed, options as never)).toThrow(TypeError);
      expect(() => ring.rewrap(sealed, options as never)).toThrow(TypeError);
    }
    expect(() => ring.seal('x', { aad: 'owner:\ud800' })).toThrow(/lone surrogate/);
  });

  it('refuses a plaintext that is not a string or bytes, or has a lone surrogate', () => {
    expect(() => ring.seal(42 as never, AAD)).toThrow(TypeError);
    expect(() => ring.seal('a\udc00b', AAD)).toThrow(/lone surrogate/);
  });

  it('openText refuses a plaintext that is not UTF-8 with a TypeError; open returns it', () => {
    const sealed = ring.seal(new Uint8Array([0xff, 0xfe]), AAD);
    expect(() => ring.openText(sealed, AAD)).toThrow(TypeError);
    expect([...ring.open(sealed, AAD)]).toEqual([0xff, 0xfe]);
  });

  it('caps the plaintext: 400 ERR_CRYPTO_PLAINTEXT_TOO_LARGE before encrypting', () => {
    const small = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }], maxPlaintextBytes: 8 });
    expect(small.openText(small.seal('12345678', AAD), AAD)).toBe('12345678');
    expect(codeOf(() => small.seal('123456789', AAD))).toBe('ERR_CRYPTO_PLAINTEXT_TOO_LARGE');
    expect(codeOf(() => small.seal('éééé1', AAD))).toBe('ERR_CRYPTO_PLAINTEXT_TOO_LARGE');
    expect(codeOf(() => small.seal(new Uint8Array(9), AAD))).toBe('ERR_CRYPTO_PLAINTEXT_TOO_LARGE');
  });

  it('an empty plaintext seals and opens', () => {
    expect(ring.openText(ring.seal('', AAD), AAD)).toBe('');
  });

  it('an unknown key id is ERR_CRYPTO_UNKNOWN_KEY with the id, and says nothing else', () => {
    const other = createKeyRing({ keys: [{ id: 'k9', key: generateKey() }] });
    const sealed = other.seal('the plaintext', AAD);
    let caught: unknown;
    try {
      ring.open(sealed, AAD);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CryptoUnknownKeyError);
    const error = caught as CryptoUnknownKeyError;
    expect(error.keyId).toBe('k9');
    expect(error.status).toBe(400);
    const shown = JSON.stringify(error.toProblem()) + error.message;
    expect(shown).not.toContain('the plaintext');
    expect(shown).not.toContain('mfa-secret');
  });
});

describe('rewrap', () => {
  const k1 = generateKey();
  const k2 = generateKey();
  const before = createKeyRing({ keys: [{ id: 'k1', key: k1 }] });
  const after = createKeyRing({
    keys: [
      { id: 'k2', key: k2 },
      { id: 'k1', key: k1 },
    ],
  });

  it('moves a value to the current key and keeps its plaintext and AAD', () => {
    const sealed = before.seal('secret', AAD);
    const rewrapped = after.rewrap(sealed, AAD);
    expect(rewrapped).not.toBe(sealed);
    expect(rewrapped.startsWith('v1.k2.')).toBe(true);
    expect(after.openText(rewrapped, AAD)).toBe('secret');
    // Once the old key is retired, the rewrapped value still opens; the old one does not.
    const retired = createKeyRing({ keys: [{ id: 'k2', key: k2 }] });
    expect(retired.openText(rewrapped, AAD)).toBe('secret');
    expect(codeOf(() => retired.open(sealed, AAD))).toBe('ERR_CRYPTO_UNKNOWN_KEY');
  });

  it('returns the same string for a value already under the current key, after checking it', () => {
    const sealed = after.seal('secret', AAD);
    expect(after.rewrap(sealed, AAD)).toBe(sealed);
    expect(codeOf(() => after.rewrap(sealed, { aad: 'other' }))).toBe('ERR_CRYPTO_DECRYPT');
    expect(codeOf(() => after.rewrap(`${sealed.slice(0, -2)}AA`, AAD))).toBe('ERR_CRYPTO_DECRYPT');
  });
});
