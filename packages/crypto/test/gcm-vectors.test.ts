import { createSecretKey } from 'node:crypto';
import { RampartConfigError } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { gcmSeal } from '../src/aes-gcm.js';
import { createKeyRing, openSealed } from '../src/key-ring.js';
import { maxSealedLength } from '../src/sealed-text.js';
import { codeOf } from './helpers.js';

/**
 * AES-256 test cases 13–18 of McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)"
 * (the vectors NIST SP 800-38D cites). Each is written as a sealed text
 * `v1.<kid>.<iv>.<ciphertext+tag>` and opened.
 */
const K15 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const P60 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
const AAD = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';

interface Vector {
  name: string;
  key: string;
  iv: string;
  aad: string;
  plaintext: string;
  ciphertext: string;
  tag: string;
}

const VECTORS: Record<13 | 14 | 15 | 16 | 17 | 18, Vector> = {
  13: {
    name: 'Test Case 13: zero key, empty plaintext, no AAD',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    aad: '',
    plaintext: '',
    ciphertext: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  14: {
    name: 'Test Case 14: zero key, one zero block, no AAD',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    aad: '',
    plaintext: '00'.repeat(16),
    ciphertext: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  15: {
    name: 'Test Case 15: 64-byte plaintext, no AAD',
    key: K15,
    iv: 'cafebabefacedbaddecaf888',
    aad: '',
    plaintext: `${P60}1aafd255`,
    ciphertext:
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
      '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
    tag: 'b094dac5d93471bdec1a502270e3cc6c',
  },
  16: {
    name: 'Test Case 16: 60-byte plaintext, 20-byte AAD',
    key: K15,
    iv: 'cafebabefacedbaddecaf888',
    aad: AAD,
    plaintext: P60,
    ciphertext:
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
      '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
  17: {
    name: 'Test Case 17: 64-bit IV',
    key: K15,
    iv: 'cafebabefacedbad',
    aad: AAD,
    plaintext: P60,
    ciphertext:
      'c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0' +
      'feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f',
    tag: '3a337dbf46a792c45e454913fe2ea8f2',
  },
  18: {
    name: 'Test Case 18: 480-bit IV',
    key: K15,
    iv:
      '9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728' +
      'c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b',
    aad: AAD,
    plaintext: P60,
    ciphertext:
      '5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4' +
      '0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f',
    tag: 'a44a8266ee1c8eb0c8b5d4cf5ae9f19a',
  },
};

const hex = (text: string) => Buffer.from(text, 'hex');

function sealedText(kid: string, vector: Vector): string {
  const body = Buffer.concat([hex(vector.ciphertext), hex(vector.tag)]);
  return `v1.${kid}.${hex(vector.iv).toString('base64url')}.${body.toString('base64url')}`;
}

describe('AES-256-GCM test vectors (McGrew–Viega 13–18) through open', () => {
  it('Test Case 16 (with AAD) opens through a key ring built from the hex key', () => {
    const vector = VECTORS[16];
    const ring = createKeyRing({ keys: [{ id: 'tc16', key: vector.key }] });
    const opened = ring.open(sealedText('tc16', vector), { aad: hex(vector.aad) });
    expect(Buffer.from(opened).toString('hex')).toBe(vector.plaintext);
  });

  it('Test Case 16 with one bit of the tag, the ciphertext or the AAD changed does not open', () => {
    const vector = VECTORS[16];
    const ring = createKeyRing({ keys: [{ id: 'tc16', key: vector.key }] });
    const flip = (text: string, at: number) => {
      const bytes = hex(text);
      bytes[at] = (bytes[at] as number) ^ 1;
      return bytes.toString('hex');
    };
    const variants = [
      [sealedText('tc16', { ...vector, tag: flip(vector.tag, 15) }), hex(vector.aad)],
      [sealedText('tc16', { ...vector, ciphertext: flip(vector.ciphertext, 0) }), hex(vector.aad)],
      [sealedText('tc16', vector), hex(flip(vector.aad, 19))],
    ] as const;
    for (const [text, aad] of variants) {
      expect(codeOf(() => ring.open(text, { aad }))).toBe('ERR_CRYPTO_DECRYPT');
    }
  });

  // Cases 13–15 have no AAD, which the ring's methods refuse (AAD is required), and 13–14 an
  // all-zero key, which createKeyRing refuses: they go through the function `open` calls once the
  // AAD and the key are accepted, with the same parsing and the same decipher.
  it.each([13, 14, 15] as const)('Test Case %i (no AAD) opens through the same path', (n) => {
    const vector = VECTORS[n];
    const keys = new Map([['tc', { id: 'tc', key: createSecretKey(hex(vector.key)) }]]);
    const opened = openSealed(
      sealedText('tc', vector),
      new Uint8Array(0),
      keys,
      maxSealedLength(64),
    );
    expect(opened.kid).toBe('tc');
    expect(opened.plaintext.toString('hex')).toBe(vector.plaintext);
  });

  it('the ring refuses the empty AAD of cases 13–15 and the zero key of cases 13–14', () => {
    const ring = createKeyRing({ keys: [{ id: 'tc', key: K15 }] });
    expect(() => ring.open(sealedText('tc', VECTORS[15]), { aad: '' })).toThrow(TypeError);
    expect(() => ring.open(sealedText('tc', VECTORS[15]), { aad: new Uint8Array(0) })).toThrow(
      TypeError,
    );
    expect(() => createKeyRing({ keys: [{ id: 'tc', key: VECTORS[13].key }] })).toThrow(
      RampartConfigError,
    );
  });

  it.each([13, 14, 15, 16] as const)(
    'seal’s cipher gives Test Case %i’s ciphertext and tag',
    (n) => {
      const vector = VECTORS[n];
      const body = gcmSeal(
        createSecretKey(hex(vector.key)),
        hex(vector.iv),
        hex(vector.plaintext),
        hex(vector.aad),
      );
      expect(body.toString('hex')).toBe(vector.ciphertext + vector.tag);
    },
  );

  it.each([17, 18] as const)('Test Case %i (IV not 96 bits) is refused by the format', (n) => {
    const vector = VECTORS[n];
    const ring = createKeyRing({ keys: [{ id: 'tc', key: vector.key }] });
    const text = sealedText('tc', vector);
    expect(codeOf(() => ring.open(text, { aad: hex(vector.aad) }))).toBe('ERR_CRYPTO_DECRYPT');
  });
});
