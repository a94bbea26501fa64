/** A promise settled from outside: tests decide when each fake hash ends, never a timer. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (a macrotask turn), so settled work has moved on. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
