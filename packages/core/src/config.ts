import { z } from 'zod';
import type { Clock } from './clock.js';
import { RampartConfigError } from './errors/configuration-error.js';

/**
 * Validates a factory's options with zod and returns them frozen. The first problem becomes a
 * `RampartConfigError` naming the option, e.g. `RedisNonceStore.keyPrefix: Too big …`.
 */
export function parseOptions<Schema extends z.ZodType>(
  owner: string,
  schema: Schema,
  options: unknown,
): Readonly<z.output<Schema>> {
  const result = schema.safeParse(options ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
    throw new RampartConfigError(`${owner}${path}`, issue?.message ?? 'invalid options');
  }
  return Object.freeze(result.data);
}

/** The `clock` option every factory accepts: anything with a `now()` method. */
export const clockSchema = z.custom<Clock>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { now?: unknown }).now === 'function',
  'must have a now() method',
);

/**
 * Throws `RampartConfigError` naming `owner.<name>` for an option not in `known`, and naming
 * `owner` when `options` is no object: a misspelt option (`{ trustProxy: true }` for
 * `trustedProxies`) would otherwise be ignored without a word.
 */
export function assertKnownOptions(
  owner: string,
  options: unknown,
  known: readonly string[],
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new RampartConfigError(owner, 'options must be an object.');
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name))
      throw new RampartConfigError(`${owner}.${name}`, 'is not an option.');
  }
}
