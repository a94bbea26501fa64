import { StoreUnavailableError } from '../errors/common-errors.js';
import { isRampartError } from '../errors/rampart-error.js';
import type { WithTimeoutOptions } from './with-timeout.js';

/** Bounds how long callers wait for one store's operations. See {@link createStoreDeadline}. */
export interface StoreDeadline {
  /**
   * Runs one store operation and resolves with its result, passed through `map` when given (one
   * promise per call either way: a caller that converts the reply needs no second one). A
   * timeout, a thrown or a rejected operation become `StoreUnavailableError` (fail closed); a
   * `RampartError` passes through. A late result or failure is observed, so it never becomes an
   * unhandled rejection.
   */
  run<T, R = T>(operation: () => PromiseLike<T>, map?: (value: T) => R): Promise<R>;
}

interface Pending {
  readonly deadline: number;
  readonly expire: () => void;
}

/**
 * `withTimeout` for a store's hot path. Instead of a timer per operation (a `setTimeout` plus a
 * `clearTimeout` cost ~5–7 % of a Redis `SET NX PX` round trip's CPU), every operation of the
 * store joins one queue watched by a single interval that stops itself when the queue empties.
 * All operations share `timeoutMs`, so insertion order is deadline order and a tick only looks
 * at the head. A tick fires every `timeoutMs / 20` (at most 50 ms) and expires operations whose
 * deadline falls before the next tick, so a caller is answered within `timeoutMs`, never later.
 *
 * The queue is a `Set` an operation leaves as soon as it settles: an array of entries marked
 * settled and dropped by the ticker held each entry for up to a tick, long enough for V8 to
 * promote them out of the young generation, and a claim cost half as much again.
 *
 * @example
 * const deadline = createStoreDeadline({ store: 'redis-nonce-store', timeoutMs: 1000 });
 * const claimed = await deadline.run(() => redis.set(key, '1', 'PX', ttlMs, 'NX'), (r) => r === 'OK');
 */
export function createStoreDeadline(options: WithTimeoutOptions): StoreDeadline {
  const { store, timeoutMs, onFailure } = options;
  const tickMs = Math.max(1, Math.min(50, Math.floor(timeoutMs / 20)));
  const pending = new Set<Pending>();
  let ticker: NodeJS.Timeout | undefined;

  function expireDue(): void {
    const horizon = performance.now() + tickMs;
    for (const entry of pending) {
      if (entry.deadline > horizon) break;
      pending.delete(entry);
      entry.expire();
    }
    if (pending.size === 0) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }

  function run<T, R = T>(operation: () => PromiseLike<T>, map?: (value: T) => R): Promise<R> {
    return new Promise<R>(function settleBeforeDeadline(resolve, reject) {
      const entry: Pending = {
        deadline: performance.now() + timeoutMs,
        expire: () =>
          reject(new StoreUnavailableError(store, new Error(`no answer within ${timeoutMs} ms`))),
      };
      let result: PromiseLike<T>;
      try {
        result = operation();
      } catch (error) {
        onFailure?.(error);
        reject(isRampartError(error) ? error : new StoreUnavailableError(store, error));
        return;
      }
      pending.add(entry);
      if (ticker === undefined) ticker = setInterval(expireDue, tickMs);
      // Both handlers are attached at once, so a rejection after the deadline is still handled.
      // A foreign thenable is made a promise first: it then settles once, and never in here.
      (result instanceof Promise ? result : Promise.resolve(result)).then(
        (value) => {
          if (!pending.delete(entry)) return;
          // A throwing `map` rejects this promise (a throw here would reject only the `then`'s).
          try {
            resolve(map === undefined ? (value as unknown as R) : map(value));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          onFailure?.(error);
          if (pending.delete(entry)) {
            reject(isRampartError(error) ? error : new StoreUnavailableError(store, error));
          }
        },
      );
    });
  }

  return Object.freeze({ run });
}
