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
