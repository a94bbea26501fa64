/**
 * The codes of start-up misconfiguration, one per kind of problem, each documented under its own
 * heading of docs/errors.md (the heading's anchor is the code in lower case).
 */
export const CONFIG_ERROR_CODES = Object.freeze({
  /** An option the factory does not know: a misspelt one would be ignored without a word. */
  unknownOption: 'ERR_CONFIG_UNKNOWN_OPTION',
  /** A required option is absent. */
  missingOption: 'ERR_CONFIG_MISSING_OPTION',
  /** An option of the wrong type (a string for a number, an object that is not the one asked for). */
  invalidType: 'ERR_CONFIG_INVALID_TYPE',
  /** A number, length or count outside its bounds. */
  outOfRange: 'ERR_CONFIG_OUT_OF_RANGE',
  /** A value of the right type that is not allowed: a pattern, a list of names, a fraction. */
  invalidValue: 'ERR_CONFIG_INVALID_VALUE',
  /** A secret or key shorter than the algorithm needs (at least 32 random bytes). */
  secretTooShort: 'ERR_CONFIG_SECRET_TOO_SHORT',
  /** Options that cannot go together (a ready-made instance beside the options to make one). */
  conflictingOptions: 'ERR_CONFIG_CONFLICTING_OPTIONS',
  /** Anything else. */
  invalid: 'ERR_CONFIG_INVALID',
} as const);

export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[keyof typeof CONFIG_ERROR_CODES];

/** Where each code is explained: docs/errors.md of the Rampart repository, at the code's anchor. */
export function configErrorDocs(code: string): string {
  return `docs/errors.md#${code.toLowerCase()}`;
}

/**
 * Misconfiguration found at start-up (a short secret, an unknown algorithm, a missing store).
 * Thrown by factories, never sent to a client: `option` names the offending option, `code` the
 * kind of problem (`ERR_CONFIG_UNKNOWN_OPTION`, `ERR_CONFIG_SECRET_TOO_SHORT` …) and `docs` where
 * it is explained; the message starts with the option and ends with both.
 *
 * @example
 * new RampartConfigError('createJwtNonce.keys[0].secret', 'must be at least 32 bytes.', CONFIG_ERROR_CODES.secretTooShort);
 * // createJwtNonce.keys[0].secret: must be at least 32 bytes. (ERR_CONFIG_SECRET_TOO_SHORT, see docs/errors.md#err_config_secret_too_short)
 */
export class RampartConfigError extends Error {
  override readonly name = 'RampartConfigError';
  readonly code: string;
  readonly option: string;
  readonly docs: string;

  constructor(option: string, message: string, code: string = CONFIG_ERROR_CODES.invalid) {
    const docs = configErrorDocs(code);
    super(`${option}: ${message} (${code}, see ${docs})`);
    this.option = option;
    this.code = code;
    this.docs = docs;
  }
}
