/**
 * `@rampart/core/testing`: the conformance suite every `NonceStore` passes, exported so a
 * third-party store can prove the same contract. Needs Vitest.
 *
 * @example
 * describeNonceStoreConformance('my store', async () => ({
 *   store: new MyNonceStore(),
 *   elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
 * }));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRampartError } from './errors/rampart-error.js';
import type { NonceStore } from './nonce-store.js';

export { createFakeClock, type FakeClock } from './clock.js';
export {
  describeSettingsStoreConformance,
  type SettingsStoreHarness,
} from './settings/settings-store-conformance.js';

/** What the conformance suite needs to drive one store. */
export interface NonceStoreHarness {
  store: NonceStore;
  /**
   * Lets `ms` milliseconds pass for the store: advance its fake clock, or really wait when the
   * server keeps time (Redis `PX`). The suite keeps waits under 200 ms.
   */
  elapse(ms: number): Promise<void>;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

let uniqueCounter = 0;
/** A nonce no other test uses, so suites may share one backend. */
function freshNonce(label: string): string {
  uniqueCounter++;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${uniqueCounter}`;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the claim to reject');
}

/** Registers the `NonceStore` contract tests for one store. */
export function describeNonceStoreConformance(
  label: string,
  makeHarness: () => Promise<NonceStoreHarness> | NonceStoreHarness,
): void {
  describe(`NonceStore conformance: ${label}`, () => {
    let harness: NonceStoreHarness;

    beforeEach(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it('accepts a nonce once and refuses it while its TTL runs', async () => {
      const nonce = freshNonce('once');
      expect(await harness.store.claim('key-a', nonce, 10_000)).toBe(true);
      expect(await harness.store.claim('key-a', nonce, 10_000)).toBe(false);
      await harness.elapse(50);
      expect(await harness.store.claim('key-a', nonce, 10_000)).toBe(false);
    });

    it('accepts the nonce again once its TTL has passed', async () => {
      const nonce = freshNonce('expiry');
      expect(await harness.store.claim('key-a', nonce, 40)).toBe(true);
      await harness.elapse(120);
      expect(await harness.store.claim('key-a', nonce, 10_000)).toBe(true);
      expect(await harness.store.claim('key-a', nonce, 10_000)).toBe(false);
    });

    it('keeps scopes apart, including pairs that would collide if joined naively', async () => {
      const nonce = freshNonce('scope');
      expect(await harness.store.claim('key-a', nonce, 10_000)).toBe(true);
      expect(await harness.store.claim('key-b', nonce, 10_000)).toBe(true);
      expect(await harness.store.claim('s:x', `${nonce}`, 10_000)).toBe(true);
      expect(await harness.store.claim('s', `x:${nonce}`, 10_000)).toBe(true);
    });

    it('treats nonces that differ only in case or Unicode form as different', async () => {
      const nonce = freshNonce('case');
      expect(await harness.store.claim('key-a', `${nonce}-abc`, 10_000)).toBe(true);
      expect(await harness.store.claim('key-a', `${nonce}-ABC`, 10_000)).toBe(true);
      expect(await harness.store.claim('key-a', `${nonce}-\u00e9`, 10_000)).toBe(true);
      expect(await harness.store.claim('key-a', `${nonce}-e\u0301`, 10_000)).toBe(true);
    });

    it('lets exactly one of 500 concurrent claims of one nonce win', async () => {
      const nonce = freshNonce('race');
      const results = await Promise.all(
        Array.from({ length: 500 }, () => harness.store.claim('key-race', nonce, 10_000)),
      );
      expect(results.filter((won) => won)).toHaveLength(1);
    });

    it('accepts 200 concurrent claims of distinct nonces', async () => {
      const base = freshNonce('distinct');
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => harness.store.claim('key-a', `${base}-${i}`, 10_000)),
      );
      expect(results.every((won) => won)).toBe(true);
    });

    it.each([
      ['an empty scope', '', 'n', 1000],
      ['an empty nonce', 's', '', 1000],
      ['a nonce over 256 characters', 's', 'n'.repeat(257), 1000],
      ['a scope over 256 characters', 's'.repeat(257), 'n', 1000],
      ['a zero TTL', 's', 'n', 0],
      ['a negative TTL', 's', 'n', -5],
      ['a fractional TTL', 's', 'n', 1.5],
      ['a NaN TTL', 's', 'n', Number.NaN],
      ['an infinite TTL', 's', 'n', Number.POSITIVE_INFINITY],
      ['a TTL over 30 days', 's', 'n', 30 * 86_400_000 + 1],
    ])('rejects %s with ERR_NONCE_INVALID and claims nothing', async (_name, scope, nonce, ttl) => {
      let syncError: unknown;
      let pending: Promise<boolean> | undefined;
      try {
        pending = harness.store.claim(scope, nonce, ttl);
      } catch (error) {
        syncError = error;
      }
      expect(syncError).toBeUndefined();
      const error = await rejectionOf(pending as Promise<boolean>);
      expect(isRampartError(error)).toBe(true);
      expect((error as { code: string; status: number }).code).toBe('ERR_NONCE_INVALID');
      expect((error as { status: number }).status).toBe(400);
      if (scope.length > 0 && scope.length <= 256 && nonce.length > 0 && nonce.length <= 256) {
        expect(await harness.store.claim(scope, `${nonce}-${freshNonce('after')}`, 1000)).toBe(
          true,
        );
      }
    });

    it('accepts the longest scope and nonce the contract allows', async () => {
      const nonce = freshNonce('long');
      const longNonce = `${nonce}${'n'.repeat(256 - nonce.length)}`;
      expect(await harness.store.claim('s'.repeat(256), longNonce, 1000)).toBe(true);
      expect(await harness.store.claim('s'.repeat(256), longNonce, 1000)).toBe(false);
    });
  });
}
