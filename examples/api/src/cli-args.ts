import { ConfigError } from './config-error.js';

/** The options a command accepts: those taking a value, and flags. */
export interface ArgSpec {
  readonly values: ReadonlySet<string>;
  readonly flags: ReadonlySet<string>;
}

/**
 * Splits argv into option → value (`true` for a flag), accepting `--name value` and
 * `--name=value`, and refusing unknown, repeated and value-less options with a `ConfigError`
 * naming them.
 */
export function readArgs(argv: readonly string[], spec: ArgSpec): Map<string, string | true> {
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    // pnpm forwards the `--` separator of `pnpm example -- --port 0`; it carries nothing.
    if (arg === '--') continue;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.flags.has(name)) {
      if (name !== arg) throw new ConfigError(name, 'takes no value');
      if (options.has(name)) throw new ConfigError(name, 'given more than once');
      options.set(name, true);
      continue;
    }
    if (!spec.values.has(name)) {
      throw new ConfigError(arg, 'unknown option (run with --help for the list)');
    }
    if (options.has(name)) throw new ConfigError(name, 'given more than once');
    let value: string | undefined;
    if (name !== arg) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new ConfigError(name, 'needs a value');
      i++;
    }
    options.set(name, value);
  }
  return options;
}

/** The value of `name` when it was given with one. */
export function argValue(
  args: ReadonlyMap<string, string | true>,
  name: string,
): string | undefined {
  const value = args.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** `text` when it is one of `allowed`; otherwise a `ConfigError` naming `option`. */
export function oneOf<T extends string>(option: string, allowed: readonly T[], text: string): T {
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new ConfigError(option, `must be one of ${allowed.join(', ')}, got ${quote(text)}`);
}

/** `text` quoted for a message, cut at 64 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
