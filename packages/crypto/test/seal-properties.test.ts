import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyRing, generateKey } from '../src/index.js';
import { codeOf } from './helpers.js';

const KID = 'primary';
const KEY = generateKey();
const ring = createKeyRing({ keys: [{ id: KID, key: KEY }] });

const wellFormed = (text: string) => !/\p{Cs}/u.test(text);
const plaintexts = fc.uint8Array({ maxLength: 300 });
const aads = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter(wellFormed),
);

const aadBytes = (aad: Uint8Array | string) =>
  typeof aad === 'string' ? Buffer.from(aad, 'utf8') : Buffer.from(aad);

/**
 * What opening a changed text must answer: ERR_CRYPTO_UNKNOWN_KEY when the change turned the key
 * id into another well-formed id (a well-formed text naming a key the ring lacks), otherwise
 * ERR_CRYPTO_DECRYPT.
 */
function expectedCode(changed: string): string {
  const kid = /^v1\.([A-Za-z0-9_-]{1,32})\.[^.]{16}\.[^.]+$/.exec(changed)?.[1];
  return kid !== undefined && kid !== KID ? 'ERR_CRYPTO_UNKNOWN_KEY' : 'ERR_CRYPTO_DECRYPT';
}

function flipCharacterBit(text: string, position: number, bit: number): string {
  const code = text.charCodeAt(position) ^ (1 << bit);
  return text.slice(0, position) + String.fromCharCode(code) + text.slice(position + 1);
}

describe('seal/open properties (fast-check)', () => {
  it('open(seal(x)) is x for any bytes and any AAD', () => {
    fc.assert(
      fc.property(plaintexts, aads, (plaintext, aad) => {
        const opened = ring.open(ring.seal(plaintext, { aad }), { aad });
        expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('openText(seal(s)) is s for any well-formed string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }).filter(wellFormed),
        aads,
        (s, aad) => {
          expect(ring.openText(ring.seal(s, { aad }), { aad })).toBe(s);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('every one-bit change of every character of a sealed text is refused, and nothing else is thrown', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), aads, (plaintext, aad) => {
        const sealed = ring.seal(plaintext, { aad });
        for (let position = 0; position < sealed.length; position++) {
          for (let bit = 0; bit < 16; bit++) {
            const changed = flipCharacterBit(sealed, position, bit);
            expect(codeOf(() => ring.open(changed, { aad }))).toBe(expectedCode(changed));
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('every one-bit change of the IV, ciphertext or tag bytes gives ERR_CRYPTO_DECRYPT', () => {
    fc.assert(
      fc.property(plaintexts, aads, fc.nat(), fc.nat(7), (plaintext, aad, at, bit) => {
        const [version, kid, iv, body] = ring.seal(plaintext, { aad }).split('.') as [
          string,
          string,
          string,
          string,
        ];
        const bytes = Buffer.concat([Buffer.from(iv, 'base64url'), Buffer.from(body, 'base64url')]);
        const index = at % bytes.length;
        bytes[index] = (bytes[index] as number) ^ (1 << bit);
        const changed = `${version}.${kid}.${bytes.subarray(0, 12).toString('base64url')}.${bytes.subarray(12).toString('base64url')}`;
        expect(codeOf(() => ring.open(changed, { aad }))).toBe('ERR_CRYPTO_DECRYPT');
      }),
      { numRuns: 2000 },
    );
  });

  it('a wrong AAD gives ERR_CRYPTO_DECRYPT', () => {
    fc.assert(
      fc.property(plaintexts, aads, aads, (plaintext, aad, other) => {
        fc.pre(!aadBytes(aad).equals(aadBytes(other)));
        const sealed = ring.seal(plaintext, { aad });
        expect(codeOf(() => ring.open(sealed, { aad: other }))).toBe('ERR_CRYPTO_DECRYPT');
      }),
      { numRuns: 1000 },
    );
  });

  it('another ring’s key under the same id gives ERR_CRYPTO_DECRYPT', () => {
    const impostor = createKeyRing({ keys: [{ id: KID, key: generateKey() }] });
    fc.assert(
      fc.property(plaintexts, aads, (plaintext, aad) => {
        const sealed = ring.seal(plaintext, { aad });
        expect(codeOf(() => impostor.open(sealed, { aad }))).toBe('ERR_CRYPTO_DECRYPT');
        expect(codeOf(() => impostor.rewrap(sealed, { aad }))).toBe('ERR_CRYPTO_DECRYPT');
      }),
      { numRuns: 500 },
    );
  });

  it('rewrap keeps every plaintext and moves it to the current key', () => {
    const next = createKeyRing({
      keys: [
        { id: 'next', key: generateKey() },
        { id: KID, key: KEY },
      ],
    });
    fc.assert(
      fc.property(plaintexts, aads, (plaintext, aad) => {
        const rewrapped = next.rewrap(ring.seal(plaintext, { aad }), { aad });
        expect(rewrapped.startsWith('v1.next.')).toBe(true);
        expect(Buffer.from(next.open(rewrapped, { aad })).equals(Buffer.from(plaintext))).toBe(
          true,
        );
        expect(next.rewrap(rewrapped, { aad })).toBe(rewrapped);
      }),
      { numRuns: 500 },
    );
  });
});
