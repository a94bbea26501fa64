import { StoreUnavailableError } from '../errors/common-errors.js';
import { isRampartError } from '../errors/rampart-error.js';

/** Options of {@link withTimeout}. */
export interface WithTimeoutOptions {
  /** Names the store in the `StoreUnavailableError`, e.g. `redis-nonce-store`. */
  store: string;
  /** How long the operation may take before the caller is answered with a 503. */
  timeoutMs: number;
  /** Sees every error an operation threw or rejected with (not timeouts), before it is mapped. */
  onFailure?: (error: unknown) => void;
}

/**
 * Runs one store operation and bounds how long the caller waits for it. A timeout, a thrown or
 * a rejected operation all become `StoreUnavailableError` (fail closed), except a
 * `RampartError`, which already says what went wrong and passes through.
 *
 * The operation cannot be cancelled: a command that a client queued while offline may still run
 * after the caller was answered. Its late result or failure is observed here, so it never
 * becomes an unhandled rejection.
 *
 * @example
 * const reply = await withTimeout(() => redis.set(key, '1', 'PX', ttlMs, 'NX'),
 *   { store: 'redis-nonce-store', timeoutMs: 1000 });
 */
export function withTimeout<T>(
  operation: () => PromiseLike<T>,
  options: WithTimeoutOptions,
): Promise<T> {
  const { store, timeoutMs, onFailure } = options;
  return new Promise<T>(function settleWithinTimeout(resolve, reject) {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new StoreUnavailableError(store, new Error(`no answer within ${timeoutMs} ms`)));
    }, timeoutMs);
    const fail = (error: unknown) => {
      onFailure?.(error);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(isRampartError(error) ? error : new StoreUnavailableError(store, error));
    };
    let pending: PromiseLike<T>;
    try {
      pending = operation();
    } catch (error) {
      fail(error);
      return;
    }
    // Both handlers are attached at once, so a rejection after the timeout is still handled.
    Promise.resolve(pending).then((value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }, fail);
  });
}
