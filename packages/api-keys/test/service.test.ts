import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeys, ApiKeyVerification } from '../src/index.js';
import { serviceOn } from './helpers/service.js';
import { STORES, type StoreUnderTest } from './helpers/stores.js';

const HOUR = 3_600_000;

function codeOf(result: ApiKeyVerification): string {
  return result.valid ? 'valid' : result.code;
}

for (const [name, available, make] of STORES) {
  describe.skipIf(!available)(`the service on the ${name} store`, () => {
    let underTest: StoreUnderTest;
    let service: ReturnType<typeof serviceOn>;
    let apiKeys: ApiKeys;
    beforeEach(async () => {
      underTest = await make();
      service = serviceOn(underTest.store);
      apiKeys = service.apiKeys;
    });
    afterEach(async () => {
      await apiKeys.close();
      await underTest.cleanup();
    });

    const create = (over: Record<string, unknown> = {}) =>
      apiKeys.create({
        ownerId: 'u1',
        name: 'CI',
        scopes: ['entities:read', 'profile:*'],
        ...over,
      });

    it('creates a key shown once, verifies it as its owner with its scopes, and lists it without secrets', async () => {
      const { key, signingSecret, info } = await create({ metadata: { team: 'ci' } });
      expect(key.startsWith(`${info.prefix}_`)).toBe(true);
      expect(signingSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const result = await apiKeys.verify(key);
      expect(result).toMatchObject({
        valid: true,
        key: {
          id: info.id,
          ownerId: 'u1',
          scopes: ['entities:read', 'profile:*'],
          usedPreviousKey: false,
        },
      });
      const listed = await apiKeys.list('u1');
      expect(listed.map((k) => k.id)).toEqual([info.id]);
      const text = JSON.stringify(listed);
      expect(text).not.toContain(key.slice(25, 68));
      expect(text).not.toContain('h1.');
      expect(text).not.toContain(signingSecret);
      expect(listed[0]?.rotationDueAt).toBe(service.clock.now() + 90 * 24 * HOUR);
      expect(await apiKeys.list('u2')).toEqual([]);
      expect(service.events.map((event) => event.type)).toContain('API_KEY_CREATED');
    });

    it('refuses bad input to create with a 400 naming the field, and stores nothing', async () => {
      for (const [input, field] of [
        [{ scopes: ['entities:re*'] }, 'scopes'],
        [{ scopes: [] }, 'scopes'],
        [{ name: '' }, 'name'],
        [{ name: 'a\u0000b' }, 'name'],
        [{ expiresAt: service.clock.now() }, 'expiresAt'],
        [{ environment: 'prod' }, 'environment'],
        [{ rateLimit: { limit: 0, windowMs: HOUR } }, 'rateLimit'],
        [{ rateLimit: { limit: 5, windowMs: 1500 } }, 'rateLimit'],
      ] as const) {
        await expect(create(input)).rejects.toMatchObject({
          status: 400,
          code: 'ERR_VALIDATION',
          detail: expect.stringContaining(field),
        });
      }
      expect(await apiKeys.list('u1')).toEqual([]);
    });

    it('answers revoked like unknown, and expired and disabled with their own codes', async () => {
      const { key, info } = await create({ expiresAt: service.clock.now() + HOUR });
      const ref = { id: info.id, ownerId: 'u1' };
      expect(await apiKeys.disable(ref)).toBe(true);
      expect(codeOf(await apiKeys.verify(key))).toBe('ERR_API_KEY_DISABLED');
      expect(await apiKeys.enable(ref)).toBe(true);
      service.clock.advance(HOUR - 1);
      expect(codeOf(await apiKeys.verify(key))).toBe('valid');
      service.clock.advance(1);
      expect(codeOf(await apiKeys.verify(key))).toBe('ERR_API_KEY_EXPIRED');
      expect(await apiKeys.revoke({ ...ref, ownerId: 'u2' })).toBe(false);
      expect(codeOf(await apiKeys.verify(key))).toBe('ERR_API_KEY_EXPIRED');
      expect(await apiKeys.revoke(ref)).toBe(true);
      const revoked = await apiKeys.verify(key);
      expect(codeOf(revoked)).toBe('ERR_API_KEY_INVALID');
      expect(!revoked.valid && revoked.error.status).toBe(401);
      expect(await apiKeys.list('u1')).toEqual([]);
    });

    it('rotates with a grace period: both keys verify until it ends, then only the new one', async () => {
      const { key: oldKey, info } = await create();
      const ref = { id: info.id, ownerId: 'u1' };
      const rotated = await apiKeys.rotate(ref, { graceMs: 60_000 });
      expect(rotated.info.id).toBe(info.id);
      expect(rotated.key).not.toBe(oldKey);
      expect(rotated.previousKeyValidUntil).toBe(service.clock.now() + 60_000);
      const old = await apiKeys.verify(oldKey);
      expect(old).toMatchObject({ valid: true, key: { usedPreviousKey: true } });
      expect(await apiKeys.verify(rotated.key)).toMatchObject({
        valid: true,
        key: { usedPreviousKey: false },
      });
      const secrets = await apiKeys.signingSecrets(info.id);
      expect(secrets?.secrets.map((s) => Buffer.from(s).toString('base64url'))).toEqual([
        rotated.signingSecret,
        expect.any(String),
      ]);
      service.clock.advance(59_999);
      expect(codeOf(await apiKeys.verify(oldKey))).toBe('valid');
      service.clock.advance(1);
      expect(codeOf(await apiKeys.verify(oldKey))).toBe('ERR_API_KEY_INVALID');
      expect(codeOf(await apiKeys.verify(rotated.key))).toBe('valid');
      expect((await apiKeys.signingSecrets(info.id))?.secrets).toHaveLength(1);
      expect(service.events.map((event) => event.type)).toContain('API_KEY_ROTATED');
    });

    it('never lets the grace outlive the key, and refuses a grace beyond the maximum', async () => {
      const { info } = await create({ expiresAt: service.clock.now() + 1000 });
      const ref = { id: info.id, ownerId: 'u1' };
      const rotated = await apiKeys.rotate(ref, { graceMs: 60_000 });
      expect(rotated.previousKeyValidUntil).toBe(service.clock.now() + 1000);
      await expect(apiKeys.rotate(ref, { graceMs: 8 * 24 * HOUR })).rejects.toMatchObject({
        status: 400,
      });
      await expect(apiKeys.rotate({ ...ref, ownerId: 'u2' })).rejects.toMatchObject({
        status: 404,
        code: 'ERR_API_KEY_NOT_FOUND',
      });
    });

    it('rotates without grace: the old key is refused at once', async () => {
      const { key, info } = await create();
      const rotated = await apiKeys.rotate({ id: info.id, ownerId: 'u1' }, { graceMs: 0 });
      expect(rotated.previousKeyValidUntil).toBeUndefined();
      expect(codeOf(await apiKeys.verify(key))).toBe('ERR_API_KEY_INVALID');
      expect(codeOf(await apiKeys.verify(rotated.key))).toBe('valid');
    });

    it('answers a key over its own limit with 429 and Retry-After, never 401', async () => {
      const { key } = await create({ rateLimit: { limit: 2, windowMs: HOUR } });
      expect(codeOf(await apiKeys.verify(key))).toBe('valid');
      const second = await apiKeys.verify(key);
      expect(second.valid && second.key.rateLimit?.remaining).toBe(0);
      const third = await apiKeys.verify(key);
      expect(third.valid).toBe(false);
      if (third.valid) return;
      expect(third.error.status).toBe(429);
      expect(third.code).toBe('ERR_RATE_LIMIT_EXCEEDED');
      expect(third.error.headers['Retry-After']).toBe(String((HOUR - 1000) / 1000));
      expect(third.error.headers['RateLimit-Policy']).toBe('"api-key";q=2;w=3600');
      expect(service.events.at(-1)).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', userId: 'u1' });
      service.clock.advance(HOUR);
      expect(codeOf(await apiKeys.verify(key))).toBe('valid');
    });

    it('lets exactly 5 of 20 concurrent verifications through when 5 requests are left', async () => {
      const { key } = await create({ rateLimit: { limit: 8, windowMs: HOUR } });
      for (let i = 0; i < 3; i++) await apiKeys.verify(key);
      const results = await Promise.all(Array.from({ length: 20 }, () => apiKeys.verify(key)));
      expect(results.filter((result) => result.valid)).toHaveLength(5);
      expect(results.filter((r) => !r.valid && r.error.status === 429)).toHaveLength(15);
    });

    it('checks the scopes a request needs, with the wildcard rules', async () => {
      const { key } = await create();
      expect(
        codeOf(await apiKeys.verify(key, { scopes: ['entities:read', 'profile:write'] })),
      ).toBe('valid');
      const refused = await apiKeys.verify(key, { scopes: ['entities:write'] });
      expect(codeOf(refused)).toBe('ERR_INSUFFICIENT_SCOPE');
      expect(!refused.valid && refused.error.status).toBe(403);
    });

    it('reports a compromised key: revoked at once, a critical event naming the owner', async () => {
      const { key, info } = await create();
      // Another last character (a key may end in any base62 character, `x` included).
      const typo = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
      expect(await apiKeys.reportCompromised(typo)).toEqual({ revoked: false });
      expect(await apiKeys.reportCompromised(key)).toEqual({ revoked: true });
      expect(codeOf(await apiKeys.verify(key))).toBe('ERR_API_KEY_INVALID');
      expect(await apiKeys.reportCompromised(key)).toEqual({ revoked: false });
      const critical = service.events.filter((event) => event.type === 'API_KEY_COMPROMISED');
      expect(critical).toEqual([
        expect.objectContaining({ severity: 'critical', userId: 'u1', detail: { keyId: info.id } }),
      ]);
      expect(JSON.stringify(service.events)).not.toContain(key.slice(25, 68));
    });

    it('writes lastUsedAt behind the request, at most once a minute', async () => {
      const { key, info } = await create();
      await apiKeys.verify(key);
      expect((await apiKeys.get({ id: info.id, ownerId: 'u1' }))?.lastUsedAt).toBeUndefined();
      await apiKeys.flush();
      const first = service.clock.now();
      expect((await apiKeys.get({ id: info.id, ownerId: 'u1' }))?.lastUsedAt).toBe(first);
      service.clock.advance(59_000);
      await apiKeys.verify(key);
      await apiKeys.flush();
      expect((await apiKeys.get({ id: info.id, ownerId: 'u1' }))?.lastUsedAt).toBe(first);
      service.clock.advance(1000);
      await apiKeys.verify(key);
      await apiKeys.flush();
      expect((await apiKeys.get({ id: info.id, ownerId: 'u1' }))?.lastUsedAt).toBe(first + 60_000);
    });

    it('lists keys due for rotation and emits API_KEY_ROTATION_DUE for each', async () => {
      const { info } = await create();
      expect(await apiKeys.listDueForRotation(HOUR)).toEqual([]);
      service.clock.advance(90 * 24 * HOUR - HOUR);
      const due = await apiKeys.listDueForRotation(HOUR);
      expect(due.map((key) => key.id)).toEqual([info.id]);
      expect(service.events.at(-1)).toMatchObject({
        type: 'API_KEY_ROTATION_DUE',
        userId: 'u1',
        detail: { keyId: info.id },
      });
      await apiKeys.rotate({ id: info.id, ownerId: 'u1' });
      expect(await apiKeys.listDueForRotation(HOUR)).toEqual([]);
    });

    it("revokes all of a user's keys, then purges them", async () => {
      const a = await create();
      const b = await create();
      const other = await create({ ownerId: 'u2' });
      await apiKeys.revokeAllForUser('u1');
      expect(codeOf(await apiKeys.verify(a.key))).toBe('ERR_API_KEY_INVALID');
      expect(codeOf(await apiKeys.verify(b.key))).toBe('ERR_API_KEY_INVALID');
      expect(codeOf(await apiKeys.verify(other.key))).toBe('valid');
      await apiKeys.purgeUser('u1');
      expect(await apiKeys.get({ id: a.info.id, ownerId: 'u1' })).toBeUndefined();
    });
  });
}
