/**
 * Misconfiguration found at start-up (a short secret, an unknown algorithm, a missing store).
 * Thrown by factories, never sent to a client; `option` names the offending option.
 */
export class RampartConfigError extends Error {
  override readonly name = 'RampartConfigError';
  readonly code: string;
  readonly option: string;

  constructor(option: string, message: string, code = 'ERR_CONFIG_INVALID') {
    super(`${option}: ${message}`);
    this.option = option;
    this.code = code;
  }
}
