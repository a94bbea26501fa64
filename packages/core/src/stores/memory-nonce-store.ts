import { z } from 'zod';
import type { Clock } from '../clock.js';
import { parseOptions } from '../config.js';
import { StoreFullError } from '../errors/common-errors.js';
import { assertClaimArguments, type NonceStore } from '../nonce-store.js';
import { ScopedExpiringSet } from '../scoped-expiring-set.js';
import { defineSyncTwin } from '../sync-twin.js';
import { memoryStoreOptionsShape } from './memory-store-options.js';

// A settled promise can be shared by every caller: it saves an allocation on the hot path.
const CLAIMED = Promise.resolve(true);
const ALREADY_CLAIMED = Promise.resolve(false);

export interface MemoryNonceStoreOptions {
  /**
   * Most unexpired nonces held. When full, a new claim is refused with `StoreFullError`
   * (503) rather than forgetting a nonce that could then be replayed. Default 1 000 000
   * (see docs/benchmarks.md for bytes per entry).
   */
  maxEntries?: number;
  clock?: Clock;
  /** Background sweep period (unref'd timer); `0` disables it. Default 60 000 ms. */
  sweepIntervalMs?: number;
}

const optionsSchema = z.strictObject(memoryStoreOptionsShape({ maxEntries: 1_000_000 }));

/**
 * The embedded `NonceStore`: one process, no server. Claims are synchronous map operations, so
 * they are atomic within the process; use the Redis or Postgres store when several processes
 * must share nonces. `claim` has a synchronous twin (`syncTwinOf(store.claim)`, core's fast-path
 * convention), which the request-signing verifier calls to save the promise.
 *
 * @example
 * const nonces = new MemoryNonceStore({ maxEntries: 100_000 });
 * if (!(await nonces.claim(keyId, nonce, 600_000))) throw replayed();
 */
export class MemoryNonceStore implements NonceStore {
  readonly #seen: ScopedExpiringSet;

  constructor(options: MemoryNonceStoreOptions = {}) {
    const parsed = parseOptions('MemoryNonceStore', optionsSchema, options);
    this.#seen = new ScopedExpiringSet({
      maxEntries: parsed.maxEntries,
      clock: parsed.clock,
      sweepIntervalMs: parsed.sweepIntervalMs,
    });
  }

  /** Nonces held, including expired ones not yet swept. */
  get size(): number {
    return this.#seen.size;
  }

  claim(scope: string, nonce: string, ttlMs: number): Promise<boolean> {
    try {
      return this.#claimNow(scope, nonce, ttlMs) ? CLAIMED : ALREADY_CLAIMED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #claimNow(scope: string, nonce: string, ttlMs: number): boolean {
    assertClaimArguments(scope, nonce, ttlMs);
    const result = this.#seen.add(scope, nonce, ttlMs);
    if (result === 'full') throw new StoreFullError('memory-nonce-store', this.#seen.maxEntries);
    return result === 'added';
  }

  static {
    // Saves the promise, and the microtask awaiting it, on the request-signing hot path.
    defineSyncTwin(MemoryNonceStore.prototype, 'claim', function claimNow(scope, nonce, ttlMs) {
      return this.#claimNow(scope, nonce, ttlMs);
    });
  }

  /** Stops the background sweep timer. */
  close(): void {
    this.#seen.close();
  }
}
