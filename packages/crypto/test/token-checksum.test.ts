import { describe, expect, it } from 'vitest';
import { parseToken, randomToken, TOKEN_CHECKSUM_LENGTH, tokenChecksum } from '../src/index.js';

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
