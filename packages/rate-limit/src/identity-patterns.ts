import { RampartConfigError } from '@rampart/core';

/**
 * Matches identities (`10.0.0.1`, `user:42`, `203.0.113.7|x:alice`) against patterns:
 * exact, or a prefix ending in `*` (`api-key:partner-*`). An exact pattern beats a wildcard, a
 * longer wildcard beats a shorter one.
 */
export class IdentityPatterns<T> {
  readonly #exact = new Map<string, T>();
  readonly #prefixes: Array<{ prefix: string; value: T }> = [];

  constructor(option: string, entries: ReadonlyArray<readonly [string, T]>) {
    for (const [pattern, value] of entries) {
      if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 512) {
        throw new RampartConfigError(
          option,
          `pattern ${JSON.stringify(pattern)} must be 1-512 characters.`,
        );
      }
      const star = pattern.indexOf('*');
      if (star === -1) this.#exact.set(pattern, value);
      else if (star === pattern.length - 1)
        this.#prefixes.push({ prefix: pattern.slice(0, -1), value });
      else
        throw new RampartConfigError(
          option,
          `pattern ${JSON.stringify(pattern)} may hold '*' only at its end.`,
        );
    }
    this.#prefixes.sort((x, y) => y.prefix.length - x.prefix.length);
  }

  get empty(): boolean {
    return this.#exact.size === 0 && this.#prefixes.length === 0;
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
