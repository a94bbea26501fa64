/**
 * `@rampart/idempotency/testing`: the conformance suite every `IdempotencyStore` passes, exported
 * so a third-party store can prove the same contract. Needs Vitest.
 *
 * @example
 * describeIdempotencyStoreConformance('my store', async () => {
 *   const clock = createFakeClock();
 *   return { store: new MyIdempotencyStore({ clock }), elapse: async (ms) => clock.advance(ms) };
 * });
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isRampartError } from '@rampart/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyClaim, IdempotencyStore } from './store.js';

export { createFakeClock, type FakeClock } from '@rampart/core';

/** What the conformance suite needs to drive one store. */
export interface IdempotencyStoreHarness {
  store: IdempotencyStore;
  /** Lets `ms` pass for the store: advance the fake clock it was given. */
  elapse(ms: number): Promise<void>;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

const digest = () => createHash('sha256').update(randomBytes(16)).digest('base64url');
const leaseId = () => randomUUID();

async function rejectionOf(run: () => Promise<unknown>): Promise<unknown> {
  let pending: Promise<unknown>;
  try {
    pending = run();
  } catch (error) {
    throw new Error(`the store threw synchronously instead of rejecting: ${String(error)}`);
  }
  try {
    await pending;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to reject');
}

/** Registers the `IdempotencyStore` contract tests for one store. */
export function describeIdempotencyStoreConformance(
  label: string,
  makeHarness: () => Promise<IdempotencyStoreHarness> | IdempotencyStoreHarness,
): void {
  describe(`IdempotencyStore conformance: ${label}`, () => {
    let harness: IdempotencyStoreHarness;
    let store: IdempotencyStore;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    function claimOf(overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
      return {
        key: digest(),
        userId: `user-${randomBytes(6).toString('hex')}`,
        fingerprint: digest(),
        leaseId: leaseId(),
        leaseMs: 30_000,
        ...overrides,
      };
    }

    it('acquires a free key, then answers in-flight to the same fingerprint', async () => {
      const first = claimOf();
      expect(await store.claim(first)).toEqual({ outcome: 'acquired' });
      await harness.elapse(10_000);
      const retry = await store.claim({ ...first, leaseId: leaseId() });
      expect(retry.outcome).toBe('in-flight');
      const { retryAfterMs } = retry as { retryAfterMs: number };
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(20_000);
    });

    it('answers mismatch to another fingerprint, in flight and completed', async () => {
      const first = claimOf();
      await store.claim(first);
      expect(await store.claim({ ...first, fingerprint: digest(), leaseId: leaseId() })).toEqual({
        outcome: 'mismatch',
      });
      expect(await store.complete({ ...first, response: 'kept', retentionMs: 60_000 })).toBe(true);
      expect(await store.claim({ ...first, fingerprint: digest(), leaseId: leaseId() })).toEqual({
        outcome: 'mismatch',
      });
    });

    it('replays a completed response to the same fingerprint, byte for byte', async () => {
      const first = claimOf();
      await store.claim(first);
      const response = `{"a":"\u00e9\u{1F600}"}${'x'.repeat(1024 * 1024)}`;
      expect(await store.complete({ ...first, response, retentionMs: 60_000 })).toBe(true);
      const replay = await store.claim({ ...first, leaseId: leaseId() });
      expect(replay).toEqual({ outcome: 'completed', response });
    });

    it('completes only for the lease that holds the key, once', async () => {
      const first = claimOf();
      await store.claim(first);
      const completion = { ...first, response: 'kept', retentionMs: 60_000 };
      expect(await store.complete({ ...completion, leaseId: leaseId() })).toBe(false);
      expect(await store.complete({ ...completion, userId: 'someone-else' })).toBe(false);
      expect(await store.complete({ ...completion, key: digest() })).toBe(false);
      expect(await store.complete(completion)).toBe(true);
      expect(await store.complete({ ...completion, response: 'overwritten' })).toBe(false);
      expect(await store.claim({ ...first, leaseId: leaseId() })).toEqual({
        outcome: 'completed',
        response: 'kept',
      });
    });

    it('frees a key on release by its lease only, and never a completed one', async () => {
      const first = claimOf();
      await store.claim(first);
      expect(await store.release({ ...first, leaseId: leaseId() })).toBe(false);
      expect(await store.release({ ...first, userId: 'someone-else' })).toBe(false);
      expect((await store.claim({ ...first, leaseId: leaseId() })).outcome).toBe('in-flight');
      expect(await store.release(first)).toBe(true);
      const second = { ...first, fingerprint: digest(), leaseId: leaseId() };
      expect(await store.claim(second)).toEqual({ outcome: 'acquired' });
      expect(await store.complete({ ...second, response: 'kept', retentionMs: 60_000 })).toBe(true);
      expect(await store.release(second)).toBe(false);
      expect((await store.claim({ ...second, leaseId: leaseId() })).outcome).toBe('completed');
    });

    it('frees the key of a lease that ran out (a crashed handler), and refuses its late completion', async () => {
      const first = claimOf({ leaseMs: 1000 });
      await store.claim(first);
      await harness.elapse(1001);
      const takeover = { ...first, fingerprint: digest(), leaseId: leaseId() };
      expect(await store.claim(takeover)).toEqual({ outcome: 'acquired' });
      expect(await store.complete({ ...first, response: 'late', retentionMs: 60_000 })).toBe(false);
      expect(await store.release(first)).toBe(false);
      expect(await store.complete({ ...takeover, response: 'kept', retentionMs: 60_000 })).toBe(
        true,
      );
      expect(await store.claim({ ...takeover, leaseId: leaseId() })).toEqual({
        outcome: 'completed',
        response: 'kept',
      });
    });

    it('refuses the completion of a lease that ran out even when nobody took the key', async () => {
      const first = claimOf({ leaseMs: 1000 });
      await store.claim(first);
      await harness.elapse(1001);
      expect(await store.complete({ ...first, response: 'late', retentionMs: 60_000 })).toBe(false);
      expect(await store.claim({ ...first, leaseId: leaseId() })).toEqual({ outcome: 'acquired' });
    });

    it('keeps a response for its retention, then frees the key', async () => {
      const first = claimOf();
      await store.claim(first);
      await store.complete({ ...first, response: 'kept', retentionMs: 5000 });
      await harness.elapse(4999);
      expect((await store.claim({ ...first, leaseId: leaseId() })).outcome).toBe('completed');
      await harness.elapse(2);
      const next = { ...first, fingerprint: digest(), leaseId: leaseId() };
      expect(await store.claim(next)).toEqual({ outcome: 'acquired' });
    });

    it('lets exactly one of 50 concurrent claims of one key acquire it', async () => {
      const first = claimOf();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.claim({ ...first, leaseId: leaseId() })),
      );
      expect(results.filter((result) => result.outcome === 'acquired')).toHaveLength(1);
      expect(results.filter((result) => result.outcome === 'in-flight')).toHaveLength(49);
    });

    it('lets exactly one of 50 concurrent takeovers of an expired lease acquire it', async () => {
      const first = claimOf({ leaseMs: 1000 });
      await store.claim(first);
      await harness.elapse(1001);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.claim({ ...first, leaseId: leaseId() })),
      );
      expect(results.filter((result) => result.outcome === 'acquired')).toHaveLength(1);
    });

    it('keeps keys apart: the same fingerprint under two keys is two records', async () => {
      const fingerprint = digest();
      expect(await store.claim(claimOf({ fingerprint }))).toEqual({ outcome: 'acquired' });
      expect(await store.claim(claimOf({ fingerprint }))).toEqual({ outcome: 'acquired' });
    });

    it('purges one user’s records, in flight and completed, and no one else’s', async () => {
      const userId = `user-${randomBytes(6).toString('hex')}`;
      const inFlight = claimOf({ userId });
      const completed = claimOf({ userId });
      const other = claimOf();
      for (const claim of [inFlight, completed, other]) await store.claim(claim);
      await store.complete({ ...completed, response: 'kept', retentionMs: 60_000 });
      await store.complete({ ...other, response: 'theirs', retentionMs: 60_000 });
      await store.purgeUser(userId);
      await store.purgeUser(userId);
      expect(await store.claim({ ...inFlight, leaseId: leaseId() })).toEqual({
        outcome: 'acquired',
      });
      expect(
        await store.claim({ ...completed, fingerprint: digest(), leaseId: leaseId() }),
      ).toEqual({
        outcome: 'acquired',
      });
      expect(await store.claim({ ...other, leaseId: leaseId() })).toEqual({
        outcome: 'completed',
        response: 'theirs',
      });
    });

    it.each([
      ['a key that is not a digest', { key: 'not-a-digest' }],
      ['an empty user id', { userId: '' }],
      ['a user id over 256 characters', { userId: 'u'.repeat(257) }],
      ['a fingerprint that is not a digest', { fingerprint: 'x' }],
      ['a short lease id', { leaseId: 'abc' }],
      ['an upper-case lease id', { leaseId: randomUUID().toUpperCase() }],
      ['a zero lease', { leaseMs: 0 }],
      ['a fractional lease', { leaseMs: 1.5 }],
      ['a NaN lease', { leaseMs: Number.NaN }],
      ['a lease over 30 days', { leaseMs: 30 * 86_400_000 + 1 }],
    ])(
      'rejects a claim with %s (400 ERR_IDEMPOTENCY_STORE_ARGUMENT), writing nothing',
      async (_name, overrides) => {
        const claim = claimOf(overrides as Partial<IdempotencyClaim>);
        const error = await rejectionOf(() => store.claim(claim));
        expect(isRampartError(error)).toBe(true);
        expect((error as { code: string }).code).toBe('ERR_IDEMPOTENCY_STORE_ARGUMENT');
        expect((error as { status: number }).status).toBe(400);
      },
    );

    it('rejects a completion with an empty response or a bad retention, keeping the lease', async () => {
      const first = claimOf();
      await store.claim(first);
      for (const bad of [
        { response: '', retentionMs: 1000 },
        { response: 'x', retentionMs: 0 },
        { response: 'x', retentionMs: 30 * 86_400_000 + 1 },
      ]) {
        const error = await rejectionOf(() => store.complete({ ...first, ...bad }));
        expect((error as { code: string }).code).toBe('ERR_IDEMPOTENCY_STORE_ARGUMENT');
      }
      expect(await store.complete({ ...first, response: 'kept', retentionMs: 1000 })).toBe(true);
    });
  });
}
