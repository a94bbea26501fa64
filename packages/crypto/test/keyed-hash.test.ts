import { createHmac } from 'node:crypto';
import { RampartConfigError } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyedHasher, generateKey } from '../src/index.js';

const P1 = generateKey();
const P2 = generateKey();
const old = createKeyedHasher({ keys: [{ id: 'p1', key: P1 }] });
const rotated = createKeyedHasher({
  keys: [
    { id: 'p2', key: P2 },
    { id: 'p1', key: P1 },
  ],
});

describe('createKeyedHasher', () => {
  it('hashes to h1.<pepperId>.<HMAC-SHA256 of the UTF-8 value, base64url>', () => {
    const value = 'rk_live_token-é';
    const expected = createHmac('sha256', Buffer.from(P1, 'base64url'))
      .update(value, 'utf8')
      .digest('base64url');
    expect(old.hash(value)).toBe(`h1.p1.${expected}`);
    expect(old.hash(Buffer.from(value))).toBe(`h1.p1.${expected}`);
  });

  it('hashes any well-formed string as HMAC-SHA256 of its UTF-8, ASCII or not, by hash and hashAll', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 90 }), fc.string({ unit: 'binary', maxLength: 40 })),
        (value) => {
          fc.pre(value.isWellFormed());
          const expected = `h1.p1.${createHmac('sha256', Buffer.from(P1, 'base64url')).update(value, 'utf8').digest('base64url')}`;
          expect(old.hash(value)).toBe(expected);
          expect(rotated.hashAll(value)[1]).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('verifies what it hashed, and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (a, b) => {
        fc.pre(!/\p{Cs}/u.test(a + b));
        const stored = old.hash(a);
        expect(old.verify(a, stored)).toBe(true);
        expect(old.verify(b, stored)).toBe(a === b);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps verifying hashes made with an older pepper and flags them for a rehash', () => {
    const stored = old.hash('session-id');
    expect(rotated.verify('session-id', stored)).toBe(true);
    expect(rotated.needsRehash(stored)).toBe(true);
    const rehashed = rotated.hash('session-id');
    expect(rehashed.startsWith('h1.p2.')).toBe(true);
    expect(rotated.needsRehash(rehashed)).toBe(false);
    expect(rotated.currentKeyId).toBe('p2');
  });

  it('hashAll gives the value’s hash under every pepper, current first (lookup during a rotation)', () => {
    expect(rotated.hashAll('x')).toEqual([rotated.hash('x'), old.hash('x')]);
  });

  it('a retired pepper no longer verifies', () => {
    const retired = createKeyedHasher({ keys: [{ id: 'p2', key: P2 }] });
    const stored = old.hash('session-id');
    expect(retired.verify('session-id', stored)).toBe(false);
    expect(retired.needsRehash(stored)).toBe(true);
  });

  it('a pepper of the same id but another key does not verify', () => {
    const impostor = createKeyedHasher({ keys: [{ id: 'p1', key: generateKey() }] });
    expect(impostor.verify('session-id', old.hash('session-id'))).toBe(false);
  });

  it('is false (never a throw) for malformed stored hashes and values', () => {
    const stored = old.hash('v');
    const mac = stored.slice(6);
    for (const bad of [
      '',
      'h1.p1.',
      `h2.p1.${mac}`,
      `h1..${mac}`,
      `h1.p.1.${mac}`,
      `h1.p1.${mac}=`,
      `h1.p1.${mac.slice(1)}`,
      `h1.p1.${mac.slice(0, -1)}B`, // non-zero unused bits
      `h1.${'p'.repeat(33)}.${mac}`,
      ` ${stored}`,
      stored.toUpperCase(),
      undefined,
      null,
      42,
      Buffer.from(stored),
    ]) {
      expect(old.verify('v', bad)).toBe(false);
      expect(old.needsRehash(bad)).toBe(true);
    }
    for (const value of [undefined, null, 42, {}, 'v\ud800']) {
      expect(old.verify(value, stored)).toBe(false);
    }
  });

  it('refuses a value that is not a string or bytes, or has a lone surrogate, with a TypeError', () => {
    expect(() => old.hash(42 as never)).toThrow(TypeError);
    expect(() => old.hash('a\ud800')).toThrow(/lone surrogate/);
    expect(() => old.hashAll(null as never)).toThrow(TypeError);
  });

  it('checks its keys like the key ring, naming createKeyedHasher', () => {
    expect(() => createKeyedHasher({ keys: [{ id: 'p1', key: 'short' }] })).toThrow(
      RampartConfigError,
    );
    expect(() =>
      createKeyedHasher({
        keys: [
          { id: 'p1', key: generateKey() },
          { id: 'p1', key: generateKey() },
        ],
      }),
    ).toThrow(/createKeyedHasher\.keys\.1\.id: duplicates/);
    expect(() => createKeyedHasher({ keys: [], peppers: [] } as never)).toThrow(
      /createKeyedHasher/,
    );
  });
});
