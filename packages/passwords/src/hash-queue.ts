import { BusyError } from '@rampart/core';

/** Names the queue in the `BusyError` it throws and its event (server-side only; never sent to a client). */
export const HASH_QUEUE_RESOURCE = 'password-hasher';

/** What a task is, for the event of its refusal. */
export type HashOperation = 'hash' | 'verify';

/** Once per process: a flood of refusals must not write a line each (the adapters log none). */
let reportedBusy = false;

function reportBusy(concurrency: number, maxQueued: number): void {
  if (reportedBusy) return;
  reportedBusy = true;
  process.emitWarning(
    `@rampart/passwords: ${concurrency} hashes running and ${maxQueued} waiting; further ones are refused with 503 ERR_BUSY. If this is normal load, raise createPasswordHasher's concurrency or maxQueued.`,
    { code: 'RAMPART_PASSWORD_HASHER_BUSY' },
  );
}

/**
 * A bounded FIFO of hashing work: at most `concurrency` tasks run at once, at most `maxQueued`
 * wait behind them, and a task beyond that is refused with a 503 `ERR_BUSY` at once.
 */
export interface HashQueue {
  /**
   * Runs `task` when a slot is free, in arrival order, and settles as it does. Rejects with a
   * `BusyError` (503 `ERR_BUSY`, `Retry-After`) without calling `task` when `maxQueued` tasks
   * already wait (and calls `onRefused` with `operation`). A task's slot is freed however it
   * ends: resolved, rejected or thrown.
   */
  run<T>(task: () => Promise<T>, operation?: HashOperation): Promise<T>;
  /** Tasks running now. */
  readonly running: number;
  /** Tasks waiting for a slot. */
  readonly queued: number;
}

/**
 * Why a bound at all: each argon2id hash holds a core (and 19 MiB) for milliseconds. Unbounded,
 * a flood of logins piles thousands of hashes into libuv's thread pool, which fs, dns and zlib
 * share, and every request waits behind all of them until clients time out. Bounded, the excess
 * is told to come back (`Retry-After`) in microseconds, and the work in flight finishes on time.
 */
export function createHashQueue(
  concurrency: number,
  maxQueued: number,
  onRefused: (operation: HashOperation | undefined) => void = () => {},
): HashQueue {
  let running = 0;
  const waiting: Array<() => void> = [];

  function release(): void {
    const next = waiting.shift();
    if (next === undefined) running--;
    // The slot passes straight to the next task: `running` stays the same.
    else next();
  }

  async function runInSlot<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } finally {
      release();
    }
  }

  return {
    run<T>(task: () => Promise<T>, operation?: HashOperation): Promise<T> {
      if (running < concurrency) {
        running++;
        return runInSlot(task);
      }
      if (waiting.length >= maxQueued) {
        reportBusy(concurrency, maxQueued);
        onRefused(operation);
        return Promise.reject(new BusyError(HASH_QUEUE_RESOURCE));
      }
      return new Promise<T>((resolve, reject) => {
        waiting.push(() => {
          runInSlot(task).then(resolve, reject);
        });
      });
    },
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
  };
}
