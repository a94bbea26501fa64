/** A bad option or environment variable; `option` names it (`--store`, `TRUSTED_PROXIES`). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

/** Thrown for `--help`: the caller prints the usage and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}
