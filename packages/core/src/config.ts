import { z } from 'zod';
import type { Clock } from './clock.js';
import {
  CONFIG_ERROR_CODES,
  type ConfigErrorCode,
  RampartConfigError,
} from './errors/configuration-error.js';

/**
 * The code of a zod issue: the one a schema set (`params: { code }`, see {@link configCode}),
 * else the kind of problem zod found.
 */
function codeOf(issue: z.core.$ZodIssue): ConfigErrorCode | string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return CONFIG_ERROR_CODES.unknownOption;
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) return CONFIG_ERROR_CODES.missingOption;
      return issue.expected === 'int'
        ? CONFIG_ERROR_CODES.invalidValue
        : CONFIG_ERROR_CODES.invalidType;
    case 'too_small':
    case 'too_big':
    case 'not_multiple_of':
      return CONFIG_ERROR_CODES.outOfRange;
    case 'custom': {
      const code = (issue.params as { code?: unknown } | undefined)?.code;
      return typeof code === 'string' ? code : CONFIG_ERROR_CODES.invalidValue;
    }
    default:
      return CONFIG_ERROR_CODES.invalidValue;
  }
}

/**
 * The `params` that give a custom check (`z.custom`, `.refine`, `ctx.addIssue`) its own code.
 *
 * @example
 * z.custom<Uint8Array>((v) => isLongEnough(v), { message: 'must be at least 32 bytes.', ...configCode('ERR_CONFIG_SECRET_TOO_SHORT') });
 */
export function configCode(code: ConfigErrorCode): { params: { code: ConfigErrorCode } } {
  return { params: { code } };
}

/**
 * The one way a factory validates its options: a zod schema (`z.strictObject`, so an unknown
 * option is refused), parsed once at construction, the result frozen. The first problem becomes
 * a `RampartConfigError` naming the option (`RedisNonceStore.keyPrefix: …`) with a code per kind
 * of problem (`ERR_CONFIG_UNKNOWN_OPTION`, `ERR_CONFIG_MISSING_OPTION`, `ERR_CONFIG_INVALID_TYPE`,
 * `ERR_CONFIG_OUT_OF_RANGE`, `ERR_CONFIG_INVALID_VALUE`, or the code a custom check set) and the
 * docs anchor that explains it.
 */
export function parseOptions<Schema extends z.ZodType>(
  owner: string,
  schema: Schema,
  options: unknown,
): Readonly<z.output<Schema>> {
  const result = schema.safeParse(options ?? {}, { reportInput: true });
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    const path = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
    if (issue.code === 'unrecognized_keys') {
      throw new RampartConfigError(
        `${owner}${path}.${issue.keys[0]}`,
        'is not an option.',
        CONFIG_ERROR_CODES.unknownOption,
      );
    }
    if (issue.path.length === 0 && issue.code === 'invalid_type') {
      throw new RampartConfigError(owner, 'options must be an object.', codeOf(issue));
    }
    const message =
      codeOf(issue) === CONFIG_ERROR_CODES.missingOption ? 'is required.' : issue.message;
    throw new RampartConfigError(`${owner}${path}`, message, codeOf(issue));
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
 * A `true`/`false` option with its default, refused with one message when it is anything else.
 *
 * @example
 * z.strictObject({ errorHandler: booleanOption(true) });
 */
export function booleanOption(defaultValue: boolean) {
  return z.boolean({ error: 'must be true or false.' }).default(defaultValue);
}

/**
 * The `forwardErrors` option of every Express middleware: `true` passes refusals to `next(err)`
 * instead of answering them as problems. Default `false`.
 */
export const forwardErrorsSchema = booleanOption(false);
