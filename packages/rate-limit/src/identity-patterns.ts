import { z } from 'zod';

/** An identity pattern: exact, or a prefix ending in `*` (`api-key:partner-*`). */
export const identityPatternSchema = z
  .string({ error: 'must be an identity pattern such as 10.0.0.5 or api-key:partner-*.' })
  .min(1, 'a pattern must be 1-512 characters.')
  .max(512, 'a pattern must be 1-512 characters.')
  .refine(
    (pattern) => !pattern.slice(0, -1).includes('*'),
    "a pattern may hold '*' only at its end.",
  );

/**
 * Matches identities (`10.0.0.1`, `user:42`, `203.0.113.7|x:alice`) against patterns that passed
 * {@link identityPatternSchema}: an exact pattern beats a wildcard, a longer wildcard beats a
 * shorter one.
 */
export class IdentityPatterns<T> {
  readonly #exact = new Map<string, T>();
  readonly #prefixes: Array<{ prefix: string; value: T }> = [];

  constructor(entries: ReadonlyArray<readonly [string, T]>) {
    for (const [pattern, value] of entries) {
      if (pattern.endsWith('*')) this.#prefixes.push({ prefix: pattern.slice(0, -1), value });
      else this.#exact.set(pattern, value);
    }
    this.#prefixes.sort((x, y) => y.prefix.length - x.prefix.length);
  }

  get empty(): boolean {
    return this.#exact.size === 0 && this.#prefixes.length === 0;
  }

  /** Every pattern's value. */
  *values(): IterableIterator<T> {
    yield* this.#exact.values();
    for (const { value } of this.#prefixes) yield value;
  }

  /** The value of the best pattern matching `identity`, or `undefined`. */
  match(identity: string): T | undefined {
    const exact = this.#exact.get(identity);
    if (exact !== undefined) return exact;
    for (const { prefix, value } of this.#prefixes) {
      if (identity.startsWith(prefix)) return value;
    }
    return undefined;
  }
}
