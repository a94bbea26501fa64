import { createAuthContext } from '@rampart/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiKeys,
  apiKeyAuthenticator,
  apiKeyRateLimitDecision,
  MemoryApiKeyStore,
} from '../src/index.js';
import { serviceOn } from './helpers/service.js';

const HOUR = 3_600_000;

describe('apiKeyRateLimitDecision', () => {
  let apiKeys: ApiKeys;
  let limited: string;
  beforeAll(async () => {
    apiKeys = serviceOn(new MemoryApiKeyStore()).apiKeys;
    const created = await apiKeys.create({
      ownerId: 'u1',
      name: 'limited',
      scopes: ['entities:read'],
      rateLimit: { limit: 2, windowMs: HOUR },
    });
    limited = created.key;
  });
  afterAll(() => apiKeys.close());

  it("is the key's counter after each request it authenticated, then the refusal's", async () => {
    const authenticator = apiKeyAuthenticator(apiKeys);
    const request = { headers: { 'x-api-key': limited }, ip: '203.0.113.9' } as never;
    for (const left of [1, 0]) {
      const auth = await authenticator.authenticate(request);
      const decision = apiKeyRateLimitDecision(auth);
      expect(decision).toMatchObject({ allowed: true, policy: 'api-key', retryAfterMs: 0 });
      expect(decision?.policyField).toBe('"api-key";q=2;w=3600');
      expect(decision?.tightest).toMatchObject({ quota: 2, remaining: left, allowed: true });
      expect(decision?.tightest?.resetMs).toBeGreaterThan(0);
    }
    const failure = await Promise.resolve(authenticator.authenticate(request)).catch((e) => e);
    const refused = apiKeyRateLimitDecision(undefined, failure);
    expect(refused).toMatchObject({ allowed: false, outcome: 'limited', policy: 'api-key' });
    expect(refused?.tightest?.remaining).toBe(0);
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
  });

  it('is undefined for a context no key made and for any other error', () => {
    const auth = createAuthContext({ userId: 'u1', method: 'jwt', scopes: [], credentialId: 't1' });
    expect(apiKeyRateLimitDecision(auth)).toBeUndefined();
    expect(apiKeyRateLimitDecision(undefined, new Error('no'))).toBeUndefined();
  });
});
