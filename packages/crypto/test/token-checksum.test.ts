import { describe, expect, it } from 'vitest';
import {
  hasTokenChecksum,
  parseToken,
  randomToken,
  TOKEN_CHECKSUM_LENGTH,
  tokenChecksum,
} from '../src/index.js';

describe('tokenChecksum', () => {
  it('is the checksum randomToken appends and parseToken checks', () => {
    for (let i = 0; i < 50; i++) {
      const token = randomToken({ prefix: 'rk_live' });
      const body = token.slice(0, -TOKEN_CHECKSUM_LENGTH);
      expect(tokenChecksum(body)).toBe(token.slice(-TOKEN_CHECKSUM_LENGTH));
      expect(parseToken(body + tokenChecksum(body), { prefix: 'rk_live' })).toBeDefined();
    }
  });

  it('is 6 base62 characters, zero-padded', () => {
    expect(TOKEN_CHECKSUM_LENGTH).toBe(6);
    expect(tokenChecksum('')).toBe('000000');
    expect(tokenChecksum('a')).toMatch(/^[0-9A-Za-z]{6}$/);
  });
});

describe('hasTokenChecksum', () => {
  it('holds exactly when the text ends with tokenChecksum of the rest', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < 20; i++) {
      const token = randomToken({ prefix: 'rk_live' });
      expect(hasTokenChecksum(token)).toBe(true);
      const body = token.slice(0, -TOKEN_CHECKSUM_LENGTH);
      const checksum = token.slice(-TOKEN_CHECKSUM_LENGTH);
      // Every other character in every checksum position, and characters outside base62.
      for (let position = 0; position < TOKEN_CHECKSUM_LENGTH; position++) {
        for (const replacement of [...alphabet, '_', '-', 'é', '\u0000']) {
          if (replacement === checksum[position]) continue;
          const changed = checksum.slice(0, position) + replacement + checksum.slice(position + 1);
          expect(hasTokenChecksum(body + changed)).toBe(false);
        }
      }
    }
    expect(hasTokenChecksum('000000')).toBe(true);
    expect(hasTokenChecksum('00000')).toBe(false);
    expect(hasTokenChecksum('')).toBe(false);
    // Six base62 digits reach past 2^32; such a value is no CRC32.
    expect(hasTokenChecksum('zzzzzz')).toBe(false);
  });
});
