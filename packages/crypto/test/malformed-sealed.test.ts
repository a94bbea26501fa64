import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyRing, generateKey } from '../src/index.js';
import { codeOf } from './helpers.js';

const ring = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }], maxPlaintextBytes: 1024 });
const AAD = { aad: 'owner:1' };
const DOCUMENTED = ['ERR_CRYPTO_DECRYPT', 'ERR_CRYPTO_UNKNOWN_KEY'];

/** A valid sealed text of `bytes` plaintext bytes, split into its four fields. */
function fields(bytes = 20): [string, string, string, string] {
  return ring.seal(new Uint8Array(bytes).fill(7), AAD).split('.') as [
    string,
    string,
    string,
    string,
  ];
}

describe('open refuses malformed sealed texts with the documented errors only', () => {
  it.each([
    ['the empty string', ''],
    ['a huge string', `v1.k1.${'A'.repeat(16)}.${'A'.repeat(10_000_000)}`],
    [
      'just over the cap',
      (() => {
        const [v, k, iv] = fields();
        return `${v}.${k}.${iv}.${'A'.repeat(Math.ceil(((1024 + 16) * 4) / 3) + 4)}`;
      })(),
    ],
    ['another version', `v2.${fields().slice(1).join('.')}`],
    ['no version', fields().slice(1).join('.')],
    ['a capital version', `V1.${fields().slice(1).join('.')}`],
    ['three fields', fields().slice(0, 3).join('.')],
    ['five fields', `${fields().join('.')}.AA`],
    ['a trailing dot', `${fields().join('.')}.`],
    [
      'an empty kid',
      (() => {
        const [v, , iv, b] = fields();
        return `${v}..${iv}.${b}`;
      })(),
    ],
    [
      'a kid with a space',
      (() => {
        const [v, , iv, b] = fields();
        return `${v}.k 1.${iv}.${b}`;
      })(),
    ],
    [
      'a 33-character kid',
      (() => {
        const [v, , iv, b] = fields();
        return `${v}.${'k'.repeat(33)}.${iv}.${b}`;
      })(),
    ],
    [
      'a short IV',
      (() => {
        const [v, k, iv, b] = fields();
        return `${v}.${k}.${iv.slice(1)}.${b}`;
      })(),
    ],
    [
      'a long IV',
      (() => {
        const [v, k, iv, b] = fields();
        return `${v}.${k}.${iv}AAAA.${b}`;
      })(),
    ],
    [
      'a padded body',
      (() => {
        const [v, k, iv] = fields();
        return `${v}.${k}.${iv}.${Buffer.alloc(20).toString('base64')}`;
      })(),
    ],
    [
      'standard base64 characters',
      (() => {
        const [v, k, iv, b] = fields();
        return `${v}.${k}.${iv}.${b.replace(/.$/, '+')}`;
      })(),
    ],
    [
      'a body shorter than a tag',
      (() => {
        const [v, k, iv] = fields();
        return `${v}.${k}.${iv}.${Buffer.alloc(15).toString('base64url')}`;
      })(),
    ],
    [
      'an empty body',
      (() => {
        const [v, k, iv] = fields();
        return `${v}.${k}.${iv}.`;
      })(),
    ],
    [
      'a body of 1 mod 4 characters',
      (() => {
        const [v, k, iv, b] = fields();
        return `${v}.${k}.${iv}.${b}A`;
      })(),
    ],
    ['a NUL', `${fields().join('.')}\u0000`],
    ['a line break', `${fields().join('.')}\n`],
    ['leading space', ` ${fields().join('.')}`],
  ])('%s → ERR_CRYPTO_DECRYPT', (_, text) => {
    expect(codeOf(() => ring.open(text, AAD))).toBe('ERR_CRYPTO_DECRYPT');
  });

  it('a non-canonical spelling (non-zero unused bits) of a valid body is refused', () => {
    // 20 + 16 = 36 bytes → 48 characters (no spare bits); 21 + 16 = 37 → 50 characters (4 spare).
    const [v, k, iv, body] = fields(21);
    expect(body.length % 4).toBe(2);
    const last = body.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = alphabet[alphabet.indexOf(last) | 1] as string;
    const text = `${v}.${k}.${iv}.${body.slice(0, -1)}${respelled}`;
    // Node's lenient decoder reads the same bytes from both spellings...
    expect(Buffer.from(text.split('.')[3] as string, 'base64url')).toEqual(
      Buffer.from(body, 'base64url'),
    );
    // ...the parser does not accept the second one.
    expect(codeOf(() => ring.open(text, AAD))).toBe('ERR_CRYPTO_DECRYPT');
    expect(codeOf(() => ring.open(`${v}.${k}.${iv}.${body}`, AAD))).toBe('none');
  });

  it('a well-formed text naming another key id → ERR_CRYPTO_UNKNOWN_KEY', () => {
    const [v, , iv, b] = fields();
    expect(codeOf(() => ring.open(`${v}.k2.${iv}.${b}`, AAD))).toBe('ERR_CRYPTO_UNKNOWN_KEY');
  });

  it('a malformed text naming another key id is malformed first → ERR_CRYPTO_DECRYPT', () => {
    const [v, , iv, b] = fields();
    expect(codeOf(() => ring.open(`${v}.k2.${iv}.${b}=`, AAD))).toBe('ERR_CRYPTO_DECRYPT');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { toString: () => fields().join('.') }],
    ['bytes', Buffer.from(fields().join('.'))],
  ])('%s instead of a string → ERR_CRYPTO_DECRYPT', (_, value) => {
    expect(codeOf(() => ring.open(value as never, AAD))).toBe('ERR_CRYPTO_DECRYPT');
    expect(codeOf(() => ring.rewrap(value as never, AAD))).toBe('ERR_CRYPTO_DECRYPT');
  });

  it('ERR_CRYPTO_DECRYPT is one answer: the same message and no cause, whatever failed', () => {
    const sealed = ring.seal('secret', AAD);
    const other = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] });
    const failures = [
      () => ring.open('', AAD),
      () =>
        ring.open(
          `${sealed.slice(0, -5)}${sealed.at(-5) === 'A' ? 'B' : 'A'}${sealed.slice(-4)}`,
          AAD,
        ),
      () => ring.open(sealed, { aad: 'owner:2' }),
      () => other.open(sealed, AAD),
    ];
    const seen = failures.map((fn) => {
      try {
        fn();
      } catch (error) {
        const e = error as Error & { code: string; status: number };
        return JSON.stringify([e.code, e.status, e.message, e.cause, Object.keys(e)]);
      }
      return 'no error';
    });
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toContain('ERR_CRYPTO_DECRYPT');
  });

  it('arbitrary strings never throw anything but the documented errors', () => {
    const base64urlish = fc.stringMatching(/^[A-Za-z0-9_\-.=+/]{0,120}$/);
    const shaped = fc
      .tuple(
        fc.constantFrom('v1', 'v2', 'V1', ''),
        fc.stringMatching(/^[A-Za-z0-9_.-]{0,34}$/),
        fc.stringMatching(/^[A-Za-z0-9_=-]{0,18}$/),
        base64urlish,
      )
      .map((parts) => parts.join('.'));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), base64urlish, shaped),
        (text) => {
          expect(DOCUMENTED).toContain(codeOf(() => ring.open(text, AAD)));
          expect(DOCUMENTED).toContain(codeOf(() => ring.rewrap(text, AAD)));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
