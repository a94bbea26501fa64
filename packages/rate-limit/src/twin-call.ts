import { type SyncAnswer, syncTwinOf } from '@rampart/core';
import type { RateLimitDecision } from './decision.js';
import type { RateLimiter } from './limiter.js';
import type { RateLimitRequest } from './request.js';
import type { PolicyOutcome, RateLimitCheck, RateLimitStore } from './store.js';

// Core's synchronous fast path, called from one site each. `syncTwinOf` is found again only when
// the method itself changes (a spy, an override, another store), so an override is still never
// skipped: asked on every call, its one shared body sees every package's owners and names and its
// reads go megamorphic (a sixth of an in-memory check).

/** A store's `hit`: its twin's answer when it has one (the memory store), else the promise. */
export class StoreHit {
  #method: unknown;
  #twin:
    | ((this: RateLimitStore, check: RateLimitCheck) => SyncAnswer<readonly PolicyOutcome[]>)
    | undefined;

  call(store: RateLimitStore, check: RateLimitCheck): SyncAnswer<readonly PolicyOutcome[]> {
    const method = store.hit;
    if (method !== this.#method) {
      this.#method = method;
      this.#twin = syncTwinOf(store, 'hit');
    }
    const twin = this.#twin;
    // `Promise.resolve`: another store's thenable becomes a promise, which callers tell apart.
    return twin === undefined ? Promise.resolve(store.hit(check)) : twin.call(store, check);
  }
}

/** A limiter's `check`: its twin's decision (no promise on the memory store), else the promise. */
export class LimiterCheck {
  #method: unknown;
  #twin:
    | ((this: RateLimiter, request: RateLimitRequest) => SyncAnswer<RateLimitDecision>)
    | undefined;

  call(limiter: RateLimiter, request: RateLimitRequest): SyncAnswer<RateLimitDecision> {
    const method = limiter.check;
    if (method !== this.#method) {
      this.#method = method;
      this.#twin = syncTwinOf(limiter, 'check');
    }
    const twin = this.#twin;
    return twin === undefined ? limiter.check(request) : twin.call(limiter, request);
  }
}
