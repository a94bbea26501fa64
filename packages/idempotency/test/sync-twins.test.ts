import { createAuthContext, createFakeClock, syncTwinOf } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { createIdempotency, type IdempotencyStore, MemoryIdempotencyStore } from '../src/index.js';
import { describeIdempotencyStoreConformance } from '../src/testing.js';

/** The memory store driven through its synchronous twins only, as the adapters' fast path is. */
function throughTwins(memory: MemoryIdempotencyStore): IdempotencyStore {
  const claimNow = syncTwinOf(memory, 'claim');
  const completeNow = syncTwinOf(memory, 'complete');
  if (claimNow === undefined || completeNow === undefined) throw new Error('no twins');
  const asPromise = <T>(run: () => T | Promise<T>): Promise<T> => {
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    claim: (claim) => asPromise(() => claimNow.call(memory, claim)),
    complete: (completion) => asPromise(() => completeNow.call(memory, completion)),
    release: (lease) => memory.release(lease),
    purgeUser: (userId) => memory.purgeUser(userId),
  };
}

describeIdempotencyStoreConformance('MemoryIdempotencyStore through its sync twins', () => {
  const clock = createFakeClock(Date.now());
  const memory = new MemoryIdempotencyStore({ clock, sweepIntervalMs: 0 });
  return {
    store: throughTwins(memory),
    elapse: async (ms) => clock.advance(ms),
    cleanup: async () => memory.close(),
  };
});

describe('the synchronous fast path', () => {
  const auth = createAuthContext({ userId: 'u', method: 'jwt', credentialId: 'f' });
  const request = {
    method: 'POST',
    route: '/a',
    url: '/a',
    headers: { 'idempotency-key': '"k"' },
    ip: '127.0.0.1',
  };

  it('answers begin at once on the memory store, and with a promise on a store without twins', async () => {
    const beginNow = syncTwinOf(createIdempotency(), 'begin');
    expect(beginNow).toBeTypeOf('function');
    const memory = new MemoryIdempotencyStore();
    const idempotency = createIdempotency({ store: memory });
    const now = syncTwinOf(idempotency, 'begin')?.call(idempotency, request, auth);
    expect(now).not.toBeInstanceOf(Promise);
    // A wrapper (another function, no twin) is awaited: the same answers, a turn later.
    const other = new MemoryIdempotencyStore();
    const wrapped: IdempotencyStore = {
      claim: (claim) => other.claim(claim),
      complete: (completion) => other.complete(completion),
      release: (lease) => other.release(lease),
      purgeUser: (userId) => other.purgeUser(userId),
    };
    const slow = createIdempotency({ store: wrapped });
    const later = syncTwinOf(slow, 'begin')?.call(slow, request, auth);
    expect(later).toBeInstanceOf(Promise);
    expect((await later)?.action).toBe('proceed');
  });

  it('throws refusals from the twin, and rejects them from begin', async () => {
    const idempotency = createIdempotency();
    const bad = { ...request, headers: { 'idempotency-key': 'bare' } };
    expect(() => syncTwinOf(idempotency, 'begin')?.call(idempotency, bad, auth)).toThrow(
      expect.objectContaining({ code: 'ERR_IDEMPOTENCY_KEY_INVALID' }),
    );
    await expect(idempotency.begin(bad, auth)).rejects.toMatchObject({
      code: 'ERR_IDEMPOTENCY_KEY_INVALID',
    });
  });
});
