import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock.js';
import { isRampartError } from '../src/errors/rampart-error.js';
import { MemoryNonceStore } from '../src/stores/memory-nonce-store.js';
import { describeNonceStoreConformance } from '../src/testing.js';

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
