import type { ApiKeyStore } from './store.js';

/** A key's `lastUsedAt` is written at most once per this many ms. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** Keys waiting for their write; past that a use is not recorded until the next flush. */
const MAX_PENDING = 10_000;

/**
 * Writes `lastUsedAt` behind the requests that used a key: a verification only notes the key
 * (when its stored `lastUsedAt` is a minute old or more) and a flush, on an unref'd timer,
 * writes each noted key once. No request waits for the write, and a key used a thousand times a
 * minute costs one write a minute, not a thousand.
 */
export class LastUsedWriter {
  readonly #store: ApiKeyStore;
  readonly #flushDelayMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #pending = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: ApiKeyStore, flushDelayMs: number, onError: (error: unknown) => void) {
    this.#store = store;
    this.#flushDelayMs = flushDelayMs;
    this.#onError = onError;
  }

  /** Notes a use of `id` at `now` when the stored `lastUsedAt` is due for a write. */
  note(id: string, storedLastUsedAt: number | undefined, now: number): void {
    if (storedLastUsedAt !== undefined && now - storedLastUsedAt < LAST_USED_RESOLUTION_MS) return;
    if (this.#pending.has(id) || this.#pending.size >= MAX_PENDING) return;
    this.#pending.set(id, now);
    if (this.#timer === undefined && this.#flushDelayMs > 0) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushDelayMs);
      this.#timer.unref();
    }
  }

  /** Writes every noted use now; resolves when they are written (failures go to `onError`). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#pending];
    this.#pending.clear();
    const writes = batch.map(([id, at]) => this.#store.touch(id, at).catch(this.#onError));
    this.#flushing = this.#flushing.then(() => Promise.all(writes)).then(() => undefined);
    return this.#flushing;
  }
}
