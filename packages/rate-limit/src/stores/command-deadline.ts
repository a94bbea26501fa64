import { isRampartError, StoreUnavailableError } from '@rampart/core';

interface Pending {
  settled: boolean;
  reject(error: unknown): void;
}

const identity = <T>(value: T): T => value;

/** Ticks per timeout: a command fails after between 1 and 1 + 1/TICKS timeouts. */
const TICKS = 4;

/**
 * Bounds how long a store command may take, like core's `withTimeout`, without a timer per
 * command: commands join the current bucket of a small ring, and one timer, ticking every
 * `timeoutMs / 4` while commands are pending, fails the bucket that has waited its time. On a
 * hot path at tens of thousands of checks a second this saves a `setTimeout`/`clearTimeout`
 * pair per check. A failure or a timeout becomes `StoreUnavailableError` (a `RampartError`
 * passes through); a late answer after a timeout is observed and dropped.
 */
export class CommandDeadline {
  readonly #store: string;
  readonly #tickMs: number;
  readonly #ring: Pending[][] = Array.from({ length: TICKS + 1 }, () => []);
  #current = 0;
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: string, timeoutMs: number) {
    this.#store = store;
    this.#tickMs = Math.max(1, Math.floor(timeoutMs / TICKS));
  }

  run<T>(operation: () => PromiseLike<T>): Promise<T> {
    let started: PromiseLike<T>;
    try {
      started = operation();
    } catch (error) {
      return Promise.reject(this.#unavailable(error));
    }
    return this.watch(started, identity);
  }

  /**
   * Bounds a command already sent: `map` turns its answer into the result (what it throws
   * rejects the result), in the same step, so a check costs one promise hop here, not two.
   * `retry` may answer a failure with a second attempt (a NOSCRIPT answered by `EVAL`), once.
   */
  watch<T, R>(
    started: PromiseLike<T>,
    map: (value: T) => R,
    retry?: (error: unknown) => PromiseLike<T> | undefined,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const pending: Pending = { settled: false, reject };
      (this.#ring[this.#current] as Pending[]).push(pending);
      this.#pending++;
      if (this.#timer === undefined) this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      let retried = retry === undefined;
      const settle = (value: T) => {
        if (pending.settled) return;
        pending.settled = true;
        this.#pending--;
        let result: R;
        try {
          result = map(value);
        } catch (error) {
          reject(this.#unavailable(error));
          return;
        }
        resolve(result);
      };
      const fail = (error: unknown) => {
        if (pending.settled) return;
        if (!retried) {
          retried = true;
          let again: PromiseLike<T> | undefined;
          try {
            again = retry?.(error);
          } catch (retryError) {
            error = retryError;
          }
          if (again !== undefined) {
            again.then(settle, fail);
            return;
          }
        }
        pending.settled = true;
        this.#pending--;
        reject(this.#unavailable(error));
      };
      started.then(settle, fail);
    });
  }

  #unavailable(error: unknown): unknown {
    return isRampartError(error) ? error : new StoreUnavailableError(this.#store, error);
  }

  #tick(): void {
    this.#current = (this.#current + 1) % this.#ring.length;
    // The bucket now reused holds the commands that have waited TICKS full ticks.
    const expired = this.#ring[this.#current] as Pending[];
    this.#ring[this.#current] = [];
    for (const pending of expired) {
      if (pending.settled) continue;
      pending.settled = true;
      this.#pending--;
      pending.reject(new StoreUnavailableError(this.#store, new Error('no answer in time')));
    }
    if (this.#pending === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
