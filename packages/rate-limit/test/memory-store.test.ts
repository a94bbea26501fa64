import { StoreFullError, syncTwinOf } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyOutcome } from '../src/algorithms/state.js';
import { type ResolvedPolicy, resolvePolicy } from '../src/policy.js';
import type { RateLimitCheck } from '../src/store.js';
import { MemoryRateLimitStore } from '../src/stores/memory.js';
import { describeRateLimitStoreConformance } from '../src/testing.js';

describeRateLimitStoreConformance('memory', () => ({ store: new MemoryRateLimitStore() }));

describe('MemoryRateLimitStore when full', () => {
  const policies = [resolvePolicy('w', { algorithm: 'fixed-window', limit: 5, windowMs: 60_000 })];
  const now = Date.UTC(2026, 0, 1);

  it('refuses new clients with ERR_STORE_FULL and keeps counting the ones it holds', async () => {
    const store = new MemoryRateLimitStore({ maxEntries: 2 });
    const a = { scope: 's', identity: 'a', policies };
    await store.hit({ key: a, cost: 5, now });
    await store.hit({ key: { scope: 's', identity: 'b', policies }, cost: 1, now });
    await expect(
      store.hit({ key: { scope: 's', identity: 'c', policies }, cost: 1, now }),
    ).rejects.toThrow(StoreFullError);
    // The exhausted counter of `a` was not forgotten to make room.
    expect((await store.hit({ key: a, cost: 1, now }))[0]?.allowed).toBe(false);
  });

  it('holds every policy of a client in one entry', async () => {
    const two = [
      policies[0] as ResolvedPolicy,
      resolvePolicy('d', { algorithm: 'fixed-window', limit: 5, windowMs: 60_000 }),
    ];
    const store = new MemoryRateLimitStore({ maxEntries: 1 });
    const key = { scope: 's', identity: 'a', policies: two };
    for (let i = 0; i < 5; i++)
      expect((await store.hit({ key, cost: 1, now }))[1]?.allowed).toBe(true);
    expect(store.size).toBe(1);
    expect((await store.hit({ key, cost: 1, now })).map((o) => o.allowed)).toEqual([false, false]);
  });

  it('after resetting one policy of an entry, counts the others and restarts that one', async () => {
    const w = policies[0] as ResolvedPolicy;
    const d = resolvePolicy('d', { algorithm: 'fixed-window', limit: 5, windowMs: 60_000 });
    const store = new MemoryRateLimitStore();
    const both = { scope: 's', identity: 'a', policies: [w, d] };
    for (let i = 0; i < 3; i++) await store.hit({ key: both, cost: 1, now });
    // A key with only the first policy resets that policy; `d` keeps its count of 3.
    await store.reset({ scope: 's', identity: 'a', policies: [w] });
    const after = await store.hit({ key: both, cost: 1, now });
    expect(after.map((o) => o.remaining)).toEqual([4, 1]);
    // The other order: `d` alone through a key of its own, then both again.
    const dOnly = { scope: 's', identity: 'a', policies: [d] };
    expect((await store.hit({ key: dOnly, cost: 1, now }))[0]?.remaining).toBe(0);
    await store.reset(dOnly);
    expect((await store.hit({ key: both, cost: 1, now })).map((o) => o.remaining)).toEqual([3, 4]);
  });

  it('replaces the state of a policy name another limiter counted with another algorithm', async () => {
    // Two limiters on one store and scope, one policy name, two algorithms: each one's state
    // counts as none for the other, and the slot holds the one written last.
    const fixed = [resolvePolicy('p', { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 })];
    const gcra = [resolvePolicy('p', { algorithm: 'gcra', limit: 3, windowMs: 60_000 })];
    const store = new MemoryRateLimitStore();
    const hit = (policies: readonly ResolvedPolicy[]) =>
      store.hit({ key: { scope: 's', identity: 'a', policies }, cost: 1, now });
    expect((await hit(fixed))[0]?.remaining).toBe(1);
    expect((await hit(gcra))[0]?.remaining).toBe(2);
    expect((await hit(gcra))[0]?.remaining).toBe(1);
    // The fixed window starts again: its count of 1 was replaced by GCRA's state.
    expect((await hit(fixed))[0]?.remaining).toBe(1);
    expect((await hit(fixed))[0]?.remaining).toBe(0);
    expect((await hit(fixed))[0]?.allowed).toBe(false);
    expect(store.size).toBe(1);
  });

  it('makes room once counters expire', async () => {
    const store = new MemoryRateLimitStore({ maxEntries: 1 });
    await store.hit({ key: { scope: 's', identity: 'a', policies }, cost: 1, now });
    await expect(
      store.hit({ key: { scope: 's', identity: 'b', policies }, cost: 1, now: now + 1 }),
    ).rejects.toThrow(StoreFullError);
    expect(store.size).toBe(1);
  });
});

describe('MemoryRateLimitStore, synchronously', () => {
  const algorithms = ['fixed-window', 'sliding-window', 'gcra'] as const;
  /** The store's answer through hit's synchronous twin, as the limiter gets it. */
  const hitNow = (store: MemoryRateLimitStore, check: RateLimitCheck) => {
    const twin = syncTwinOf(store, 'hit');
    if (twin === undefined) throw new Error('MemoryRateLimitStore.hit has no synchronous twin');
    const outcomes = twin.call(store, check);
    if (outcomes instanceof Promise) throw new Error('the twin answered with a promise');
    return outcomes;
  };

  /** What a policy's outcome says (its `next` is the store's spare once the state is kept). */
  const answerOf = (outcome: PolicyOutcome | undefined) => {
    if (outcome === undefined) throw new Error('no outcome');
    const { allowed, remaining, resetMs, retryAfterMs } = outcome;
    return { allowed, remaining, resetMs, retryAfterMs };
  };

  it('answers a policy alone as it does beside a policy that never limits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...algorithms),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(0, 1500),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 1, max: 3 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (algorithm, limit, blockMs, steps) => {
          const policy = resolvePolicy('p', { algorithm, limit, windowMs: 2000, blockMs });
          const never = resolvePolicy('never', { limit: 1_000_000_000, windowMs: 60_000 });
          const alone = new MemoryRateLimitStore({ sweepIntervalMs: 0 });
          const paired = new MemoryRateLimitStore({ sweepIntervalMs: 0 });
          const one = { scope: 's', identity: 'c', policies: [policy] };
          const two = { scope: 's', identity: 'c', policies: [policy, never] };
          let now = Date.UTC(2026, 0, 1);
          for (const [wait, cost] of steps) {
            now += wait;
            const expected = hitNow(paired, { key: two, cost, now })[0];
            const actual = hitNow(alone, { key: one, cost, now })[0];
            expect(answerOf(actual)).toEqual(answerOf(expected));
          }
          alone.close();
          paired.close();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers through its twin what hit resolves with, and throws what it rejects with', async () => {
    const store = new MemoryRateLimitStore({ maxEntries: 1, sweepIntervalMs: 0 });
    const key = {
      scope: 's',
      identity: 'a',
      policies: [resolvePolicy('w', { limit: 2, windowMs: 60_000 })],
    };
    const now = Date.UTC(2026, 0, 1);
    // One counter, counted through the twin and through the method alike.
    expect(hitNow(store, { key, cost: 1, now })).toMatchObject([{ allowed: true, remaining: 1 }]);
    expect(await store.hit({ key, cost: 1, now })).toMatchObject([{ allowed: true, remaining: 0 }]);
    const full = { key: { ...key, identity: 'b' }, cost: 1, now };
    expect(() => hitNow(store, full)).toThrow(StoreFullError);
    await expect(store.hit(full)).rejects.toThrow(StoreFullError);
    store.close();
  });
});
