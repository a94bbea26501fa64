import { BoundedExpiringMap, type Clock } from '@rampart/core';
import { MemoryRateLimitStore, type RateLimitStore } from '@rampart/rate-limit';
import type { RateLimitKey } from '@rampart/rate-limit/store';
import { resolvePolicy } from '@rampart/rate-limit/store';
import { ApiKeyRateLimitedError, FAILURE_POLICY_NAME } from './errors.js';
import { keyRateLimitHeaders } from './key-policy.js';

/** Options of the pre-authentication throttle (`failureThrottle` of `createApiKeys`). */
export interface FailureThrottleOptions {
  /**
   * Where failures are counted, shared by every process that uses the same store. Default a
   * `MemoryRateLimitStore` of this process.
   */
  store?: RateLimitStore;
  /** Failed verifications (unknown id or wrong secret) a client address may make per window. Default 20. */
  limit?: number;
  /** The window in ms, a whole number of seconds. Default 60 000. */
  windowMs?: number;
}

const SCOPE = 'api-keys:failed-verifications';
/** Addresses remembered as blocked by one process; past that the oldest is forgotten. */
const MAX_BLOCKED = 10_000;

/**
 * Throttles guessing per client address without being able to lock a key's holder out from
 * anywhere else: only a verification that reached the store and failed (an unknown id or a wrong
 * secret; never a typo, which the checksum refuses for free, and never an expired, disabled or
 * rate-limited key, whose secret was right) is counted, in a bucket of its own, keyed by the
 * client address alone. A valid key sent from any other address is never affected, and the key's
 * own rate limit never sees a failure.
 *
 * The check before the store costs no I/O: the count lives in the rate-limit store (one `hit` per
 * failure, off the valid path), and when a failure is refused the address is remembered as
 * blocked in this process until the window lets it in again. Another process learns of the block
 * at the address's next failure there.
 */
export class FailureThrottle {
  readonly #store: RateLimitStore;
  readonly #blocked: BoundedExpiringMap<true>;
  readonly #policies: RateLimitKey['policies'];
  readonly #clock: Clock;

  constructor(options: FailureThrottleOptions, clock: Clock) {
    this.#store = options.store ?? new MemoryRateLimitStore({ clock });
    this.#clock = clock;
    this.#policies = Object.freeze([
      resolvePolicy(FAILURE_POLICY_NAME, {
        algorithm: 'fixed-window',
        limit: options.limit ?? 20,
        windowMs: options.windowMs ?? 60_000,
      }),
    ]);
    this.#blocked = new BoundedExpiringMap({
      maxEntries: MAX_BLOCKED,
      whenFull: 'evict-oldest',
      clock,
    });
  }

  /** Milliseconds the address must still wait, or 0: answered from memory, no I/O. */
  blockedFor(ip: string): number {
    return this.#blocked.ttl(ip) ?? 0;
  }

  /**
   * Counts one failed verification from `ip`; resolves the milliseconds to wait when this one
   * was over the budget (the address is then blocked in this process), else 0.
   */
  async recordFailure(ip: string): Promise<number> {
    const [outcome] = await this.#store.hit({
      key: { scope: SCOPE, identity: ip, policies: this.#policies },
      cost: 1,
      now: this.#clock.now(),
    });
    if (outcome === undefined || outcome.allowed) return 0;
    this.#blocked.set(ip, true, outcome.retryAfterMs);
    return outcome.retryAfterMs;
  }

  /**
   * The 429 of an address that must wait `waitMs`: `Retry-After`, and the throttle's policy in
   * `RateLimit-Policy` and `RateLimit` (none left; a fixed window's quota is back when a retry
   * passes), as a rate limiter's 429 carries them.
   */
  refusal(waitMs: number): ApiKeyRateLimitedError {
    const { limit, windowMs } = this.#policies[0] as RateLimitKey['policies'][number];
    const outcome = {
      limit,
      windowMs,
      remaining: 0,
      resetMs: waitMs,
      retryAfterMs: waitMs,
    };
    const headers = keyRateLimitHeaders(outcome, FAILURE_POLICY_NAME);
    return new ApiKeyRateLimitedError(FAILURE_POLICY_NAME, waitMs, headers, outcome);
  }

  /** Stops the memory map's sweep timer. */
  close(): void {
    this.#blocked.close();
  }
}
