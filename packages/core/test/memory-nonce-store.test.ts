import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock.js';
import { isRampartError } from '../src/errors/rampart-error.js';
import { MemoryNonceStore } from '../src/stores/memory-nonce-store.js';
import { syncTwinOf } from '../src/sync-twin.js';
import { describeNonceStoreConformance } from '../src/testing.js';

/** The store's synchronous claim, through core's fast-path convention. */
function claimNow(store: MemoryNonceStore, scope: string, nonce: string, ttlMs: number): boolean {
  const twin = syncTwinOf(store, 'claim');
  if (twin === undefined) throw new Error('MemoryNonceStore.claim has no synchronous twin');
  const answer = twin.call(store, scope, nonce, ttlMs);
  if (answer instanceof Promise) throw new Error('the memory store answered with a promise');
  return answer;
}

describeNonceStoreConformance('memory', () => {
  const clock = createFakeClock();
  const store = new MemoryNonceStore({ clock, sweepIntervalMs: 0 });
  return {
    store,
    elapse: async (ms) => clock.advance(ms),
    cleanup: async () => store.close(),
  };
});

describe('MemoryNonceStore bound', () => {
  it('refuses the 1001st unexpired claim with ERR_STORE_FULL and accepts again once entries expire', async () => {
    const clock = createFakeClock();
    const store = new MemoryNonceStore({ maxEntries: 1000, clock, sweepIntervalMs: 0 });
    for (let i = 0; i < 1000; i++) {
      expect(await store.claim('key', `nonce-${i}`, 60_000)).toBe(true);
    }
    const error = await store.claim('key', 'nonce-1000', 60_000).catch((e: unknown) => e);
    expect(isRampartError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_STORE_FULL', status: 503 });
    // A refused claim forgot nothing: every earlier nonce is still a replay.
    expect(await store.claim('key', 'nonce-0', 60_000)).toBe(false);
    expect(await store.claim('key', 'nonce-999', 60_000)).toBe(false);

    clock.advance(60_000);
    expect(await store.claim('key', 'nonce-1000', 60_000)).toBe(true);
    expect(await store.claim('key', 'nonce-0', 60_000)).toBe(true);
    expect(store.size).toBeLessThanOrEqual(1000);
  });
});

describe("MemoryNonceStore.claim's synchronous twin", () => {
  it('has the semantics of claim: once per (scope, nonce) while the TTL runs, shared with claim', async () => {
    const clock = createFakeClock();
    const store = new MemoryNonceStore({ clock, sweepIntervalMs: 0 });
    expect(claimNow(store, 'key-a', 'nonce-0000000001', 10_000)).toBe(true);
    expect(claimNow(store, 'key-a', 'nonce-0000000001', 10_000)).toBe(false);
    expect(await store.claim('key-a', 'nonce-0000000001', 10_000)).toBe(false);
    expect(await store.claim('key-a', 'nonce-0000000002', 10_000)).toBe(true);
    expect(claimNow(store, 'key-a', 'nonce-0000000002', 10_000)).toBe(false);
    // Scoped, and the scope is length-prefixed: ("a:b", "c") is not ("a", "b:c").
    expect(claimNow(store, 'key-b', 'nonce-0000000001', 10_000)).toBe(true);
    expect(claimNow(store, 'a:b', 'c', 10_000)).toBe(true);
    expect(claimNow(store, 'a', 'b:c', 10_000)).toBe(true);
    clock.advance(10_000);
    expect(claimNow(store, 'key-a', 'nonce-0000000001', 10_000)).toBe(true);
  });

  it('throws ERR_STORE_FULL when full and forgets nothing', () => {
    const clock = createFakeClock();
    const store = new MemoryNonceStore({ maxEntries: 3, clock, sweepIntervalMs: 0 });
    for (let i = 0; i < 3; i++) expect(claimNow(store, 'key', `nonce-${i}`, 60_000)).toBe(true);
    let error: unknown;
    try {
      claimNow(store, 'key', 'nonce-3', 60_000);
    } catch (caught) {
      error = caught;
    }
    expect(isRampartError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_STORE_FULL', status: 503 });
    expect(claimNow(store, 'key', 'nonce-0', 60_000)).toBe(false);
    clock.advance(60_000);
    expect(claimNow(store, 'key', 'nonce-3', 60_000)).toBe(true);
  });

  it.each([
    ['an empty scope', '', 'nonce', 1000],
    ['a scope over 256 characters', 's'.repeat(257), 'nonce', 1000],
    ['an empty nonce', 'scope', '', 1000],
    ['a nonce over 256 characters', 'scope', 'n'.repeat(257), 1000],
    ['a zero TTL', 'scope', 'nonce', 0],
    ['a fractional TTL', 'scope', 'nonce', 1.5],
    ['a TTL over 30 days', 'scope', 'nonce', 30 * 86_400_000 + 1],
    ['a non-string nonce', 'scope', 42, 1000],
  ])('throws a 400 ERR_NONCE_INVALID for %s, as claim rejects', async (_, scope, nonce, ttl) => {
    const store = new MemoryNonceStore({ sweepIntervalMs: 0 });
    expect(() => claimNow(store, scope as string, nonce as string, ttl as number)).toThrow(
      expect.objectContaining({ code: 'ERR_NONCE_INVALID', status: 400 }),
    );
    await expect(
      store.claim(scope as string, nonce as string, ttl as number),
    ).rejects.toMatchObject({ code: 'ERR_NONCE_INVALID', status: 400 });
    expect(store.size).toBe(0);
  });
});
