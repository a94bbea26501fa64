/**
 * The sealed secrets (never plaintext) of recently verified users, so a verification is one store
 * round trip: the store compares the sealed text it was computed with against the user's current
 * one, atomically with the step check, and answers `stale` with the current one when they differ
 * (a new setup, another process enabled it again). A miss costs one extra round trip, nothing
 * else. Bounded: the oldest entry goes when full.
 */
export class SealedSecretCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, string>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(userId: string): string | undefined {
    return this.#entries.get(userId);
  }

  set(userId: string, sealed: string): void {
    this.#entries.delete(userId);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(userId, sealed);
  }

  delete(userId: string): void {
    this.#entries.delete(userId);
  }
}
