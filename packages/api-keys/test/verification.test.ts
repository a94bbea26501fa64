import * as crypto from '@rampart/crypto';
import { MemoryRateLimitStore } from '@rampart/rate-limit';
import { describe, expect, it, vi } from 'vitest';
import {
  type ApiKeyVerification,
  apiKeyRateLimitDecision,
  MemoryApiKeyStore,
} from '../src/index.js';
import { newKey, serviceOn } from './helpers/service.js';

vi.mock('@rampart/crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof crypto>();
  return { ...actual, constantTimeEqual: vi.fn(actual.constantTimeEqual) };
});

const HOUR = 3_600_000;

describe('timing of a verification', () => {
  it('costs one constant-time comparison of equal-length hashes for a valid key, a wrong secret and an unknown id alike', async () => {
    const { apiKeys } = serviceOn(new MemoryApiKeyStore(), { failureThrottle: false });
    const { key, info } = await apiKeys.create({ ownerId: 'u1', name: 'k', scopes: ['a:b'] });
    const other = apiKeys.format.generate('live', info.id); // the right id, another secret
    const unknown = apiKeys.format.generate('live', '0000000000000000');
    const compare = vi.mocked(crypto.constantTimeEqual);
    const calls: Array<Array<[number, number]>> = [];
    for (const text of [key, other, unknown]) {
      compare.mockClear();
      await apiKeys.verify(text);
      calls.push(compare.mock.calls.map(([a, b]) => [a.length, b.length]));
    }
    // One comparison each, of two stored-hash-sized texts: the same work whatever the key.
    const [valid, mismatch, missing] = calls as [Array<[number, number]>, unknown, unknown];
    expect(valid).toHaveLength(1);
    expect(mismatch).toEqual(valid);
    expect(missing).toEqual(valid);
    const [presentedLength, storedLength] = valid[0] as [number, number];
    expect(presentedLength).toBe(storedLength);
  });

  it('never trusts a store that answers valid for a hash it was not given', async () => {
    const store = new MemoryApiKeyStore();
    const { apiKeys } = serviceOn(store, { failureThrottle: false });
    const { key } = await apiKeys.create({ ownerId: 'u1', name: 'k', scopes: ['a:b'] });
    const lying = await store.verify({ id: '0000000000000000', secretHashes: [], now: 0, cost: 0 });
    vi.spyOn(store, 'verify').mockResolvedValueOnce({
      ...lying,
      outcome: 'valid',
      ownerId: 'u1',
      scopes: ['a:b'],
      matchedHash: `h1.p1.${'A'.repeat(43)}`,
    });
    const result = await apiKeys.verify(key);
    expect(result.valid).toBe(false);
    expect(!result.valid && result.code).toBe('ERR_API_KEY_INVALID');
  });
});

/**
 * A throttled address's 429 names the throttle's policy in the draft's fields (rate-limit's
 * writer), as a limiter's 429 does, and rate-limit's decision of it is at hand for the rest.
 */
function expectThrottleHeaders(result: ApiKeyVerification): void {
  expect(result.valid).toBe(false);
  if (result.valid) return;
  const retryAfter = result.error.headers['Retry-After'];
  expect(result.error.headers).toMatchObject({
    'RateLimit-Policy': '"api-key-failures";q=3;w=60',
    RateLimit: `"api-key-failures";r=0;t=${retryAfter}`,
  });
  expect(apiKeyRateLimitDecision(undefined, result.error)).toMatchObject({
    allowed: false,
    policy: 'api-key-failures',
    policyField: '"api-key-failures";q=3;w=60',
    tightest: { quota: 3, remaining: 0 },
  });
}

describe('the pre-authentication throttle', () => {
  it('blocks an address after its failed guesses, before any store I/O, and never the holder elsewhere', async () => {
    const store = new MemoryApiKeyStore();
    const { apiKeys, clock } = serviceOn(store, {
      failureThrottle: { limit: 3, windowMs: 60_000 },
    });
    const { key, info } = await apiKeys.create({
      ownerId: 'u1',
      name: 'k',
      scopes: ['a:b'],
      rateLimit: { limit: 100, windowMs: HOUR },
    });
    const guess = () => apiKeys.format.generate('live', info.id);
    const attacker = { ip: '203.0.113.9' };
    for (let i = 0; i < 3; i++) {
      expect(await apiKeys.verify(guess(), attacker)).toMatchObject({
        code: 'ERR_API_KEY_INVALID',
      });
    }
    const fourth = await apiKeys.verify(guess(), attacker);
    expect(fourth).toMatchObject({ valid: false, code: 'ERR_RATE_LIMIT_EXCEEDED' });
    expectThrottleHeaders(fourth);
    const spy = vi.spyOn(store, 'verify');
    const blocked = await apiKeys.verify(guess(), attacker);
    expect(blocked.valid).toBe(false);
    expect(!blocked.valid && blocked.error.status).toBe(429);
    expect(!blocked.valid && blocked.error.headers['Retry-After']).toBe('59');
    expectThrottleHeaders(blocked);
    expect(spy).not.toHaveBeenCalled();
    // The holder, from its own address, is untouched; its key's own counter saw no failure.
    const holder = await apiKeys.verify(key, { ip: '198.51.100.7' });
    expect(holder).toMatchObject({ valid: true, key: { rateLimit: { remaining: 99 } } });
    // Typos are free: the checksum refuses them before anything is counted.
    clock.advance(60_000);
    for (let i = 0; i < 10; i++) {
      await apiKeys.verify(`${key.slice(0, -1)}!`, { ip: '192.0.2.1' });
    }
    expect((await apiKeys.verify(guess(), { ip: '192.0.2.1' })).valid).toBe(false);
    expect(await apiKeys.verify(key, { ip: '192.0.2.1' })).toMatchObject({ valid: true });
    // The window over, the attacker's address may try again.
    expect(await apiKeys.verify(guess(), attacker)).toMatchObject({ code: 'ERR_API_KEY_INVALID' });
  });

  it('counts failures in a shared rate-limit store when given one', async () => {
    const failures = new MemoryRateLimitStore();
    const first = serviceOn(new MemoryApiKeyStore(), {
      failureThrottle: { store: failures, limit: 1, windowMs: 60_000 },
    });
    const second = serviceOn(new MemoryApiKeyStore(), {
      failureThrottle: { store: failures, limit: 1, windowMs: 60_000 },
    });
    const guess = first.apiKeys.format.generate('live', '0000000000000000');
    await first.apiKeys.verify(guess, { ip: '203.0.113.9' });
    const other = await second.apiKeys.verify(guess, { ip: '203.0.113.9' });
    expect(other).toMatchObject({ valid: false, code: 'ERR_RATE_LIMIT_EXCEEDED' });
  });
});

describe('pepper rotation', () => {
  it('verifies a key hashed under an old pepper while it is listed, and rotates it onto the new one', async () => {
    const store = new MemoryApiKeyStore();
    const old = newKey('p1');
    const before = serviceOn(store, { peppers: [old], failureThrottle: false });
    const { key, info } = await before.apiKeys.create({
      ownerId: 'u1',
      name: 'k',
      scopes: ['a:b'],
    });
    const current = newKey('p2');
    const after = serviceOn(store, { peppers: [current, old], failureThrottle: false });
    expect((await after.apiKeys.verify(key)).valid).toBe(true);
    const rotated = await after.apiKeys.rotate({ id: info.id, ownerId: 'u1' }, { graceMs: 0 });
    expect((await store.find(info.id))?.secretHash.startsWith('h1.p2.')).toBe(true);
    // The old pepper can go once no key uses it.
    const dropped = serviceOn(store, { peppers: [current], failureThrottle: false });
    expect((await dropped.apiKeys.verify(rotated.key)).valid).toBe(true);
    expect((await dropped.apiKeys.verify(key)).valid).toBe(false);
  });
});
