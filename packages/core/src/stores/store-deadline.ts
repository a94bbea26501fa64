import { StoreUnavailableError } from '../errors/common-errors.js';
import { isRampartError } from '../errors/rampart-error.js';

/** Options of {@link createStoreDeadline} (and of {@link withTimeout}). */
export interface StoreDeadlineOptions {
  /** Names the store in the `StoreUnavailableError`, e.g. `redis-nonce-store`. */
  store: string;
  /** How long an operation may take before the caller is answered with a 503. */
  timeoutMs: number;
  /** Sees every error an operation threw or rejected with (not timeouts), before it is mapped. */
  onFailure?: (error: unknown) => void;
}

/** Bounds how long callers wait for one store's operations. See {@link createStoreDeadline}. */
export interface StoreDeadline {
  /**
   * Runs one store operation and resolves with its result, passed through `map` when given (one
   * promise per call either way: a caller that converts the reply needs no second one). A
   * timeout, a thrown or a rejected operation, or a `map` that throws (a reply the store cannot
   * read) become `StoreUnavailableError` (fail closed); a `RampartError` passes through. A late
   * result or failure is observed, so it never becomes an unhandled rejection.
   */
  run<T, R = T>(operation: () => PromiseLike<T>, map?: (value: T) => R): Promise<R>;
}

/** How late a timer fires before the process counts as stalled (a timer is ~1 ms late when not). */
const STALLED_MS = 5;

/** An operation waiting for its store's answer: a link of {@link PendingQueue}. */
interface Pending {
  /** `performance.now()` at which the caller is answered with a timeout. */
  readonly deadline: number;
  readonly reject: (error: unknown) => void;
  previous: Pending | undefined;
  next: Pending | undefined;
  /** Still in the queue: neither answered nor expired. */
  queued: boolean;
}

/**
 * The pending operations, oldest first, as a doubly linked list: joining and leaving are a few
 * field writes. A `Set` did the same but hashed every entry, adding and deleting cost more than
 * the rest of a deadline's work together (a third of a microsecond on a Redis store's hot path).
 */
class PendingQueue {
  first: Pending | undefined;
  #last: Pending | undefined;

  join(entry: Pending): void {
    entry.previous = this.#last;
    if (this.#last === undefined) this.first = entry;
    else this.#last.next = entry;
    this.#last = entry;
  }

  /** Takes `entry` out; false when it had left already (answered, or expired). */
  leave(entry: Pending): boolean {
    if (!entry.queued) return false;
    entry.queued = false;
    const { previous, next } = entry;
    if (previous === undefined) this.first = next;
    else previous.next = next;
    if (next === undefined) this.#last = previous;
    else next.previous = previous;
    entry.previous = entry.next = undefined;
    return true;
  }
}

/**
 * The one deadline every Rampart store wraps its I/O in. An operation is answered by its result,
 * or with `StoreUnavailableError` once `timeoutMs` has passed: never before, and never later than
 * the event loop lets a timer fire (and, when the process stalled past the deadline, reads the
 * replies that came in meanwhile).
 *
 * No timer per operation (a `setTimeout` plus a `clearTimeout` cost ~5–7 % of a Redis
 * `SET NX PX` round trip's CPU): the store's pending operations wait in one queue and a single
 * timer is armed for the oldest one's deadline. All share `timeoutMs`, so insertion order is
 * deadline order: when the timer fires it expires the operations that are due and re-arms for
 * the next one, if any. A store answering promptly thus costs one timer per `timeoutMs`.
 *
 * The queue is a linked list an operation leaves as soon as it settles: an array of entries
 * marked settled and dropped later held each entry long enough for V8 to promote them out of the
 * young generation, and a claim cost half as much again.
 *
 * @example
 * const deadline = createStoreDeadline({ store: 'redis-nonce-store', timeoutMs: 1000 });
 * const claimed = await deadline.run(() => redis.set(key, '1', 'PX', ttlMs, 'NX'), (r) => r === 'OK');
 */
export function createStoreDeadline(options: StoreDeadlineOptions): StoreDeadline {
  const { store, timeoutMs, onFailure } = options;
  const pending = new PendingQueue();
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  function unavailable(error: unknown): unknown {
    return isRampartError(error) ? error : new StoreUnavailableError(store, error);
  }

  // A timer that fires well after its due time means this process stalled (no CPU under load, a
  // long GC), and the timers phase runs before the poll phase reads the replies that came in
  // meanwhile: expiring then would answer 503 for a store that answered in time. setImmediate
  // runs after that poll phase, so those replies settle first; what is still pending then did
  // get no answer, and is expired one loop turn later than otherwise.
  function onTimer(): void {
    timer = undefined;
    const oldest = pending.first;
    if (oldest !== undefined && performance.now() - oldest.deadline >= STALLED_MS) {
      timer = setImmediate(expireDue);
      return;
    }
    expireDue();
  }

  function expireDue(): void {
    timer = undefined;
    const now = performance.now();
    for (let entry = pending.first; entry !== undefined; entry = pending.first) {
      // A timer fires on a whole millisecond: less than one left counts as due.
      const left = entry.deadline - now;
      if (left >= 1) {
        timer = setTimeout(onTimer, Math.floor(left));
        return;
      }
      pending.leave(entry);
      entry.reject(new StoreUnavailableError(store, new Error(`no answer within ${timeoutMs} ms`)));
    }
  }

  function run<T, R = T>(operation: () => PromiseLike<T>, map?: (value: T) => R): Promise<R> {
    return new Promise<R>(function settleBeforeDeadline(resolve, reject) {
      let result: PromiseLike<T>;
      try {
        result = operation();
      } catch (error) {
        onFailure?.(error);
        reject(unavailable(error));
        return;
      }
      const entry: Pending = {
        deadline: performance.now() + timeoutMs,
        reject,
        previous: undefined,
        next: undefined,
        queued: true,
      };
      pending.join(entry);
      if (timer === undefined) timer = setTimeout(onTimer, timeoutMs);
      // Both handlers are attached at once, so a rejection after the deadline is still handled.
      // A foreign thenable is made a promise first: it then settles once, and never in here.
      (result instanceof Promise ? result : Promise.resolve(result)).then(
        (value) => {
          if (!pending.leave(entry)) return;
          if (map === undefined) {
            resolve(value as unknown as R);
            return;
          }
          // A throwing `map` rejects this promise (a throw here would reject only the `then`'s).
          try {
            resolve(map(value));
          } catch (error) {
            reject(unavailable(error));
          }
        },
        (error: unknown) => {
          onFailure?.(error);
          if (pending.leave(entry)) reject(unavailable(error));
        },
      );
    });
  }

  return Object.freeze({ run });
}

/**
 * Runs one store operation under a deadline of its own: {@link createStoreDeadline} for an
 * operation run now and then (a purge, a migration check). A store's regular operations share
 * one deadline instead.
 *
 * The operation cannot be cancelled: a command that a client queued while offline may still run
 * after the caller was answered. Its late result or failure is observed, so it never becomes an
 * unhandled rejection.
 *
 * @example
 * const deleted = await withTimeout(() => db.deleteFrom(table).where(…).execute(),
 *   { store: 'postgres-nonce-store', timeoutMs: 30_000 });
 */
export function withTimeout<T>(
  operation: () => PromiseLike<T>,
  options: StoreDeadlineOptions,
): Promise<T> {
  return createStoreDeadline(options).run(operation);
}
