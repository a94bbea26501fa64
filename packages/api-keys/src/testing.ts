/**
 * `@rampart/api-keys/testing`: the conformance suite every `ApiKeyStore` passes, exported so a
 * third-party store can prove the same contract. Needs Vitest. Time is passed in (`now`), so
 * the suite needs no clock: every store decides expiry, grace and windows on the time it is given.
 *
 * @example
 * describeApiKeyStoreConformance('my store', async () => ({ store: new MyApiKeyStore() }));
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newKeyId } from './format.js';
import type { ApiKeyCheck, ApiKeyRecord, ApiKeyStore } from './store.js';

/** What the conformance suite needs to drive one store. */
export interface ApiKeyStoreHarness {
  store: ApiKeyStore;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

const hashOf = () => `h1.p1.${randomBytes(32).toString('base64url')}`;
const HOUR = 3_600_000;

/**
 * A record for the suite: a fresh id, owner and secret hash unless `overrides` says otherwise.
 * Exported for store authors' own tests.
 */
export function sampleApiKeyRecord(
  now: number,
  overrides: Partial<ApiKeyRecord> = {},
): ApiKeyRecord {
  return {
    id: newKeyId(),
    ownerId: `user-${randomBytes(6).toString('hex')}`,
    name: 'conformance key',
    environment: 'live',
    scopes: ['entities:read', 'profile:*'],
    secretHash: hashOf(),
    previousSecretHash: undefined,
    previousValidUntil: undefined,
    signingSecret: undefined,
    previousSigningSecret: undefined,
    createdAt: now,
    expiresAt: undefined,
    rotatedAt: undefined,
    rotationDueAt: undefined,
    lastUsedAt: undefined,
    disabled: false,
    revokedAt: undefined,
    metadata: undefined,
    rateLimit: undefined,
    ...overrides,
  };
}

/** Registers the `ApiKeyStore` contract tests for one store. */
export function describeApiKeyStoreConformance(
  label: string,
  makeHarness: () => Promise<ApiKeyStoreHarness> | ApiKeyStoreHarness,
): void {
  describe(`ApiKeyStore conformance: ${label}`, () => {
    let harness: ApiKeyStoreHarness;
    let store: ApiKeyStore;
    // A window boundary plus a little: counters start at a known point of a window.
    const now = Math.floor(Date.now() / HOUR) * HOUR + 1000;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    async function created(overrides: Partial<ApiKeyRecord> = {}): Promise<ApiKeyRecord> {
      const record = sampleApiKeyRecord(now, overrides);
      await store.create(record);
      return record;
    }
    const check = (record: ApiKeyRecord, over: Partial<ApiKeyCheck> = {}): ApiKeyCheck => ({
      id: record.id,
      secretHashes: [record.secretHash],
      now,
      cost: 1,
      ...over,
    });

    it('stores a key and reads it back by id, and by id and owner only', async () => {
      const record = await created({
        metadata: { team: 'ci', tier: 2, internal: true },
        rateLimit: { limit: 10, windowMs: 60_000 },
        expiresAt: now + HOUR,
        rotationDueAt: now + 2 * HOUR,
        signingSecret: 'v1.k1.sealed',
      });
      expect(await store.find(record.id)).toEqual(record);
      expect(await store.get({ id: record.id, ownerId: record.ownerId })).toEqual(record);
      expect(await store.get({ id: record.id, ownerId: 'someone-else' })).toBeUndefined();
      expect(await store.get({ id: newKeyId(), ownerId: record.ownerId })).toBeUndefined();
      expect(await store.find(newKeyId())).toBeUndefined();
    });

    it('refuses a second key with the same id', async () => {
      const record = await created();
      await expect(store.create({ ...record, ownerId: 'intruder' })).rejects.toThrow();
      expect((await store.find(record.id))?.ownerId).toBe(record.ownerId);
    });

    it('verifies: unknown id, wrong hash, right hash (any of the presented ones)', async () => {
      const record = await created();
      expect((await store.verify(check(record, { id: newKeyId() }))).outcome).toBe('unknown');
      const wrong = await store.verify(check(record, { secretHashes: [hashOf()] }));
      expect(wrong).toMatchObject({
        outcome: 'mismatch',
        matchedHash: undefined,
        ownerId: undefined,
      });
      const right = await store.verify(
        check(record, { secretHashes: [hashOf(), record.secretHash] }),
      );
      expect(right).toMatchObject({
        outcome: 'valid',
        matchedHash: record.secretHash,
        ownerId: record.ownerId,
        scopes: record.scopes,
        matchedPrevious: false,
        rateLimit: undefined,
      });
    });

    it('accepts the previous secret only inside its grace period', async () => {
      const previous = hashOf();
      const record = await created({
        previousSecretHash: previous,
        previousValidUntil: now + 60_000,
      });
      const inGrace = await store.verify(check(record, { secretHashes: [previous] }));
      expect(inGrace).toMatchObject({
        outcome: 'valid',
        matchedHash: previous,
        matchedPrevious: true,
      });
      const after = await store.verify(
        check(record, { secretHashes: [previous], now: now + 60_000 }),
      );
      expect(after.outcome).toBe('mismatch');
      expect((await store.verify(check(record, { now: now + 60_000 }))).outcome).toBe('valid');
    });

    it('answers revoked, expired and disabled only to the right secret, in that order', async () => {
      const record = await created({ expiresAt: now + 1000 });
      expect((await store.verify(check(record, { now: now + 1000 }))).outcome).toBe('expired');
      expect((await store.verify(check(record, { now: now + 999 }))).outcome).toBe('valid');
      const ref = { id: record.id, ownerId: record.ownerId };
      expect(await store.update(ref, { disabled: true })).toBe(true);
      expect((await store.verify(check(record))).outcome).toBe('disabled');
      expect((await store.verify(check(record, { secretHashes: [hashOf()] }))).outcome).toBe(
        'mismatch',
      );
      expect(await store.update(ref, { disabled: false })).toBe(true);
      expect((await store.verify(check(record))).outcome).toBe('valid');
      expect(await store.revoke({ ...ref, ownerId: 'someone-else' }, now)).toBe(false);
      expect((await store.verify(check(record))).outcome).toBe('valid');
      expect(await store.revoke(ref, now)).toBe(true);
      expect(await store.revoke(ref, now)).toBe(false);
      const revoked = await store.verify(check(record));
      expect(revoked).toMatchObject({ outcome: 'revoked', ownerId: record.ownerId });
      expect((await store.verify(check(record, { now: now + 5000 }))).outcome).toBe('revoked');
      expect(await store.update(ref, { disabled: false })).toBe(false);
    });

    it("counts the key's fixed window: limit passes, then limited with the wait, then a new window", async () => {
      const record = await created({ rateLimit: { limit: 3, windowMs: 60_000 } });
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const lookup = await store.verify(check(record, { now: now + i }));
        expect(lookup.outcome).toBe('valid');
        remaining.push(lookup.rateLimit?.remaining as number);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const limited = await store.verify(check(record, { now: now + 10_000 }));
      const windowEnd = now - (now % 60_000) + 60_000;
      expect(limited).toMatchObject({ outcome: 'limited', ownerId: record.ownerId });
      expect(limited.rateLimit).toEqual({
        limit: 3,
        windowMs: 60_000,
        remaining: 0,
        resetMs: windowEnd - (now + 10_000),
        retryAfterMs: windowEnd - (now + 10_000),
      });
      // A refused request counts nothing; a check of cost 0 counts nothing either.
      const verifyOnly = await store.verify(check(record, { now: now + 10_001, cost: 0 }));
      expect(verifyOnly.outcome).toBe('valid');
      const next = await store.verify(check(record, { now: windowEnd }));
      expect(next.outcome).toBe('valid');
      expect(next.rateLimit?.remaining).toBe(2);
    });

    it('never counts a wrong secret, a revoked, expired or disabled key against the limit', async () => {
      const record = await created({ rateLimit: { limit: 1, windowMs: 60_000 } });
      for (let i = 0; i < 3; i++) {
        await store.verify(check(record, { secretHashes: [hashOf()] }));
      }
      expect((await store.verify(check(record))).outcome).toBe('valid');
      expect((await store.verify(check(record))).outcome).toBe('limited');
    });

    it('lets exactly the 5 requests left through out of 20 concurrent ones', async () => {
      const record = await created({ rateLimit: { limit: 8, windowMs: 3_600_000 } });
      for (let i = 0; i < 3; i++) await store.verify(check(record));
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => store.verify(check(record))),
      );
      expect(outcomes.filter((lookup) => lookup.outcome === 'valid')).toHaveLength(5);
      expect(outcomes.filter((lookup) => lookup.outcome === 'limited')).toHaveLength(15);
    });

    it('updates only while the expected hash is current (a rotation racing another)', async () => {
      const record = await created();
      const ref = { id: record.id, ownerId: record.ownerId };
      const next = hashOf();
      const change = {
        secretHash: next,
        previousSecretHash: record.secretHash,
        previousValidUntil: now + 1000,
        rotatedAt: now,
        rotationDueAt: now + HOUR,
      };
      const [first, second] = await Promise.all([
        store.update(ref, change, record.secretHash),
        store.update(ref, { ...change, secretHash: hashOf() }, record.secretHash),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(await store.update({ ...ref, ownerId: 'someone-else' }, { name: 'x' })).toBe(false);
      const stored = await store.find(record.id);
      expect(stored?.previousSecretHash).toBe(record.secretHash);
      expect(await store.update(ref, { previousSecretHash: null, previousValidUntil: null })).toBe(
        true,
      );
      expect((await store.find(record.id))?.previousSecretHash).toBeUndefined();
    });

    it("lists an owner's live keys oldest first, never another's or a revoked one", async () => {
      const ownerId = `user-${randomBytes(6).toString('hex')}`;
      const second = await created({ ownerId, createdAt: now + 1 });
      const first = await created({ ownerId, createdAt: now });
      const gone = await created({ ownerId, createdAt: now + 2 });
      await created();
      await store.revoke({ id: gone.id, ownerId }, now);
      expect((await store.list(ownerId)).map((record) => record.id)).toEqual([first.id, second.id]);
      expect(await store.list('nobody')).toEqual([]);
    });

    it('moves lastUsedAt forward only', async () => {
      const record = await created();
      await store.touch(record.id, now + 5000);
      await store.touch(record.id, now + 1000);
      expect((await store.find(record.id))?.lastUsedAt).toBe(now + 5000);
      const lookup = await store.verify(check(record));
      expect(lookup.lastUsedAt).toBe(now + 5000);
      await store.touch(newKeyId(), now);
    });

    it('lists keys due for rotation soonest first, without revoked ones', async () => {
      const base = now + 1000 * Math.floor(Math.random() * 1e6);
      const late = await created({ rotationDueAt: base + 3000 });
      const soon = await created({ rotationDueAt: base + 1000 });
      const revoked = await created({ rotationDueAt: base + 2000 });
      await created({ rotationDueAt: base + 9000 });
      await store.revoke({ id: revoked.id, ownerId: revoked.ownerId }, now);
      const due = await store.listDueForRotation(base + 5000, 1000);
      const ids = due.map((record) => record.id);
      expect(ids.indexOf(soon.id)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(soon.id)).toBeLessThan(ids.indexOf(late.id));
      expect(ids).not.toContain(revoked.id);
      expect(due.every((record) => (record.rotationDueAt as number) <= base + 5000)).toBe(true);
      expect(await store.listDueForRotation(base + 5000, 1)).toHaveLength(1);
    });

    it("revokes all of a user's keys and purges them, leaving other users alone", async () => {
      const ownerId = `user-${randomBytes(6).toString('hex')}`;
      const a = await created({ ownerId });
      const b = await created({ ownerId });
      const other = await created();
      expect(await store.revokeAllForUser(ownerId, now)).toBe(2);
      expect(await store.revokeAllForUser(ownerId, now)).toBe(0);
      expect((await store.verify(check(a))).outcome).toBe('revoked');
      expect((await store.verify(check(b))).outcome).toBe('revoked');
      expect((await store.verify(check(other))).outcome).toBe('valid');
      await store.purgeUser(ownerId);
      expect(await store.find(a.id)).toBeUndefined();
      expect((await store.verify(check(a))).outcome).toBe('unknown');
      expect(await store.find(other.id)).toEqual(other);
      await store.purgeUser(ownerId);
    });
  });
}
