import { createKeyedHasher, createKeyRing, generateKey } from '@rampart/crypto';
import { describe, expect, it } from 'vitest';
import { createMfa, MemoryMfaStore, type MfaOptions } from '../src/index.js';

const base = (): MfaOptions => ({
  store: new MemoryMfaStore(),
  keyRing: createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] }),
  hasher: createKeyedHasher({ keys: [{ id: 'p1', key: generateKey() }] }),
  issuer: 'Acme',
});

describe('createMfa options', () => {
  it('accepts the defaults', () => {
    expect(createMfa(base()).digits).toBe(6);
  });

  it.each([
    ['store', { store: {} }],
    ['keyRing', { keyRing: { seal: 1 } }],
    ['hasher', { hasher: undefined }],
    ['issuer', { issuer: 'Acme:Corp' }],
    ['issuer', { issuer: '' }],
    ['totp.digits', { totp: { digits: 5 } }],
    ['totp.window', { totp: { window: 3 } }],
    ['totp.secretBytes', { totp: { secretBytes: 16 } }],
    ['totp.algorithm', { totp: { algorithm: 'md5' } }],
    ['lockout.maxFailures', { lockout: { maxFailures: 0 } }],
    ['lockout.lockSeconds', { lockout: { lockSeconds: 1.5 } }],
    ['challengeSeconds', { challengeSeconds: 5 }],
    ['trustedDevices', { trustedDevices: { verify: async () => true } }],
    ['typo', { typo: true }],
  ])('names %s when it is wrong', (option, override) => {
    expect(() => createMfa({ ...base(), ...(override as Partial<MfaOptions>) })).toThrow(
      new RegExp(`createMfa.*${option.replace('.', '\\.')}`),
    );
  });

  it('refuses a user id that is empty or too long (a caller bug, not input)', async () => {
    const mfa = createMfa(base());
    await expect(mfa.status('')).rejects.toThrow(TypeError);
    await expect(mfa.verify('u'.repeat(257), '123456')).rejects.toThrow(TypeError);
  });
});
