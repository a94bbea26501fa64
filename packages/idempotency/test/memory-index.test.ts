import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createFakeClock } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { type IdempotencyClaim, MemoryIdempotencyStore } from '../src/index.js';

const digest = () => createHash('sha256').update(randomBytes(16)).digest('base64url');

function claimOf(userId: string, key = digest()): IdempotencyClaim {
  return { key, userId, fingerprint: digest(), leaseId: randomUUID(), leaseMs: 1_000 };
}

describe("the memory store's index of each user's keys", () => {
  it('still finds every live record of a user for purgeUser after the index was pruned', async () => {
    const clock = createFakeClock(Date.now());
    const store = new MemoryIdempotencyStore({ maxEntries: 8, clock, sweepIntervalMs: 0 });
    const reused = digest();
    // Expired records leave their keys in the index until it holds 2 × maxEntries and is pruned;
    // one key is claimed again each time (listed twice).
    for (let i = 0; i < 20; i++) {
      await store.claim(claimOf('user-a'));
      await store.claim(claimOf('user-a', reused));
      clock.advance(1_001);
    }
    const live = [claimOf('user-a'), claimOf('user-a', reused), claimOf('user-b')];
    for (const claim of live) expect(await store.claim(claim)).toEqual({ outcome: 'acquired' });
    await store.purgeUser('user-a');
    for (const claim of live.slice(0, 2)) {
      expect(await store.claim({ ...claim, fingerprint: digest(), leaseId: randomUUID() })).toEqual(
        {
          outcome: 'acquired',
        },
      );
    }
    // Another user's record is kept.
    expect(await store.claim({ ...(live[2] as IdempotencyClaim), fingerprint: digest() })).toEqual({
      outcome: 'mismatch',
    });
    store.close();
  });
});
