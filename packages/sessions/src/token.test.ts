import { parseToken, randomToken } from '@rampart/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newSessionToken, parseSessionToken, sessionIdOf, sessionUserKey } from './token.js';

describe('session tokens', () => {
  it('parse back to the ref they were issued with', () => {
    const { token, ref } = newSessionToken('user-1');
    expect(parseSessionToken(token)).toEqual(ref);
    expect(ref).toEqual({ id: sessionIdOf(token), userKey: sessionUserKey('user-1') });
  });

  it("agree with crypto's parseToken on the secret's checksum, for every one-character change", () => {
    const { token } = newSessionToken('user-1');
    const secretStart = token.indexOf('.') + 1;
    for (let i = secretStart; i < token.length; i++) {
      for (const replacement of ['0', 'z', 'Q']) {
        const changed = token.slice(0, i) + replacement + token.slice(i + 1);
        const cryptoSays = parseToken(changed.slice(secretStart)) !== undefined;
        expect(parseSessionToken(changed) !== undefined).toBe(cryptoSays);
      }
    }
  });

  it('refuses anything else without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 90 }), (text) => {
        expect(parseSessionToken(text)).toBeUndefined();
      }),
    );
    const secret = randomToken();
    expect(parseSessionToken(`${'a'.repeat(22)}.${secret}`)).toBeDefined();
    expect(parseSessionToken(`${'a'.repeat(22)}.${secret}x`)).toBeUndefined();
    expect(parseSessionToken(`${'a'.repeat(21)}.${secret}`)).toBeUndefined();
  });
});
