import { RampartError } from './rampart-error.js';

/** A store (Redis, Postgres …) could not be reached or did not answer in time: fail closed. */
export class StoreUnavailableError extends RampartError {
  override readonly name = 'RampartError';
  /** Which store failed, e.g. `redis-nonce-store`; never a connection string. */
  readonly store: string;

  constructor(store: string, cause?: unknown) {
    super({
      status: 503,
      code: 'ERR_STORE_UNAVAILABLE',
      title: 'Service unavailable',
      detail: 'A security store is unavailable; the request was refused. Retry shortly.',
      headers: { 'Retry-After': '1' },
      extensions: { retryAfter: 1 },
      cause,
    });
    this.store = store;
  }
}

/**
 * A bounded memory store is full of unexpired security state. It refuses rather than forget a
 * nonce, a revocation or a counter that still matters.
 */
export class StoreFullError extends RampartError {
  override readonly name = 'RampartError';
  readonly store: string;
  readonly maxEntries: number;

  constructor(store: string, maxEntries: number) {
    super({
      status: 503,
      code: 'ERR_STORE_FULL',
      title: 'Service unavailable',
      detail: 'The server is at capacity for this kind of request. Retry shortly.',
      headers: { 'Retry-After': '1' },
      extensions: { retryAfter: 1 },
    });
    this.store = store;
    this.maxEntries = maxEntries;
  }
}

/** The code of {@link BusyError}. */
export const BUSY_CODE = 'ERR_BUSY';

/**
 * The server is at capacity for one kind of costly work (password hashes in flight, say) and
 * refuses the request rather than queue it without bound: a queue that only grows turns a flood
 * into timeouts for everyone. Transient, so a 503 with `Retry-After`.
 */
export class BusyError extends RampartError {
  override readonly name = 'RampartError';
  /**
   * What is at capacity, e.g. `password-hasher`; never sent to the client. The adapters' error
   * handlers do not log a `BusyError` (it is load shedding, not a fault): the component that
   * throws it reports being at capacity once, as a process warning.
   */
  readonly resource: string;

  constructor(resource: string, retryAfterSeconds = 1) {
    super({
      status: 503,
      code: BUSY_CODE,
      title: 'Service unavailable',
      detail: `The server is too busy to take this request now. Retry after ${retryAfterSeconds} ${retryAfterSeconds === 1 ? 'second' : 'seconds'}.`,
      headers: { 'Retry-After': String(retryAfterSeconds) },
      extensions: { retryAfter: retryAfterSeconds },
    });
    this.resource = resource;
  }
}

/** 400 for input that does not have the form the server accepts. */
export function badRequest(code: string, detail: string): RampartError {
  return new RampartError({ status: 400, code, title: 'Bad request', detail });
}

/** The generic 500 problem: the cause is logged by the server, never sent. */
export function internalError(cause?: unknown): RampartError {
  return new RampartError({
    status: 500,
    code: 'ERR_INTERNAL',
    title: 'Internal server error',
    detail: 'The server failed to handle the request.',
    cause,
  });
}
