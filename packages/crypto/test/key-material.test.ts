import { describe, expect, it } from 'vitest';
import { generateKey } from '../src/index.js';
import { decodeKeyMaterial } from '../src/key-material.js';

describe('generateKey', () => {
  it('returns 43 characters of base64url that decode to 32 accepted bytes, new each time', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const key = generateKey();
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const bytes = decodeKeyMaterial(key);
      expect(bytes).toBeInstanceOf(Buffer);
      expect((bytes as Buffer).toString('base64url')).toBe(key);
      keys.add(key);
    }
    expect(keys.size).toBe(2000);
  });
});

describe('decodeKeyMaterial', () => {
  it('returns a copy of given bytes', () => {
    const key = Buffer.from(generateKey(), 'base64url');
    const decoded = decodeKeyMaterial(key) as Buffer;
    expect(decoded.equals(key)).toBe(true);
    decoded.fill(0);
    expect(key.some((byte) => byte !== 0)).toBe(true);
  });

  it('refuses 43 characters that are not canonical base64url', () => {
    const key = generateKey();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet[alphabet.indexOf(key.at(-1) as string) | 1] as string;
    expect(decodeKeyMaterial(key.slice(0, -1) + last)).toEqual({
      message: expect.stringMatching(/not canonical/),
      code: 'ERR_CONFIG_INVALID_VALUE',
    });
    expect(decodeKeyMaterial(`${key.slice(0, -1)}+`)).toMatchObject({
      code: 'ERR_CONFIG_INVALID_VALUE',
    });
  });
});
