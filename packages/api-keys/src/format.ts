import { parseOptions } from '@rampart/core';
import { hasTokenChecksum, randomToken, TOKEN_CHECKSUM_LENGTH } from '@rampart/crypto';
import { z } from 'zod';

/**
 * The shape of an API key: `<prefix>_<environment>_<id>_<secret><checksum>`, e.g.
 * `rk_live_4mXq0ZtPb1LwVc9e_` + 43 secret characters + 6 checksum characters. Everything after
 * the prefix is base62. The id is public (lists show it, logs may name it); the secret carries
 * at least 8·`secretBytes` bits; the checksum is crypto's CRC32 of everything before it, so a
 * scanner can tell a real key from a look-alike and a typo is refused before any store lookup.
 */
export interface ApiKeyFormatOptions {
  /** What every key starts with: 1 to 6 lower-case letters or digits, a letter first. Default `rk`. */
  prefix?: string;
  /**
   * The environments a key may name (`rk_live_…`, `rk_test_…`), the first the default: 1 to 8
   * of 1 to 8 lower-case letters or digits. Default `['live', 'test']`.
   */
  environments?: readonly string[];
  /** Entropy of the secret in bytes, 16 to 64 (128 to 512 bits). Default 32. */
  secretBytes?: number;
}

/** A key that passed {@link ApiKeyFormat.parse}: its parts, the secret still unchecked. */
export interface ParsedApiKey {
  readonly environment: string;
  readonly id: string;
  /** The random part, which the store knows only as a keyed hash. */
  readonly secret: string;
}

/** A compiled key format: what every key of a service looks like. */
export interface ApiKeyFormat {
  readonly prefix: string;
  readonly environments: readonly string[];
  /** The longest key of this format (environments differ in length); longer text is no key. */
  readonly maxLength: number;
  /**
   * A regular expression a secret scanner can run over text (global, word-bounded): it finds
   * every key of this format. Check a hit's checksum with {@link ApiKeyFormat.parse} to drop
   * look-alikes.
   */
  readonly scanPattern: RegExp;
  /** A new key for `id` in `environment`. */
  generate(environment: string, id: string): string;
  /**
   * The key's parts, or `undefined` for anything that is not a key of this format: wrong
   * length, prefix or environment, a character outside base62, a bad checksum. No I/O, no
   * exception, whatever `text` is.
   */
  parse(text: unknown): ParsedApiKey | undefined;
  /** What a list shows so a person can recognise a key: `rk_live_<id>`. */
  displayPrefix(environment: string, id: string): string;
}

/** Characters of a key id: 16 base62 characters, about 95 bits, unique without coordination. */
export const KEY_ID_LENGTH = 16;
/** A key id as it appears in a key, in a URL or in `X-Key-Id`. */
export const KEY_ID_PATTERN = /^[0-9A-Za-z]{16}$/;

const NAME = /^[a-z][a-z0-9]{0,7}$/;

const formatSchema = z.strictObject({
  prefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,5}$/, 'must be 1 to 6 lower-case letters or digits, a letter first')
    .default('rk'),
  environments: z
    .array(z.string().regex(NAME, 'must be 1 to 8 lower-case letters or digits, a letter first'))
    .min(1)
    .max(8)
    .refine((names) => new Set(names).size === names.length, 'must not repeat a name')
    .default(['live', 'test']),
  secretBytes: z.number().int().min(16).max(64).default(32),
});

/** Base62 characters crypto draws for `bytes` of entropy. */
function secretLengthFor(bytes: number): number {
  return randomToken({ bytes, checksum: false }).length;
}

/** A fresh key id from the CSPRNG: 16 uniformly random base62 characters. */
export function newKeyId(): string {
  return randomToken({ bytes: 16, checksum: false }).slice(0, KEY_ID_LENGTH);
}

/**
 * Compiles a key format once (options validated here, `RampartConfigError` naming the option);
 * its `parse` then costs one regular expression and one CRC32 per call.
 *
 * @example
 * const format = createApiKeyFormat({ prefix: 'acme' });
 * format.parse(req.headers['x-api-key']); // { environment, id, secret } or undefined
 */
export function createApiKeyFormat(options: ApiKeyFormatOptions = {}): ApiKeyFormat {
  const { prefix, environments, secretBytes } = parseOptions('apiKeyFormat', formatSchema, options);
  const secretLength = secretLengthFor(secretBytes);
  const alternatives = environments.join('|');
  const exact = new RegExp(
    `^${prefix}_(?:${alternatives})_[0-9A-Za-z]{${KEY_ID_LENGTH}}_[0-9A-Za-z]{${secretLength + TOKEN_CHECKSUM_LENGTH}}$`,
  );
  const fixedLength = prefix.length + 3 + KEY_ID_LENGTH + secretLength + TOKEN_CHECKSUM_LENGTH;
  const minLength = fixedLength + Math.min(...environments.map((name) => name.length));
  const maxLength = fixedLength + Math.max(...environments.map((name) => name.length));
  // Offsets from the end, which every environment shares: `_<id>_<secret><checksum>`.
  const secretFromEnd = secretLength + TOKEN_CHECKSUM_LENGTH;
  const idFromEnd = secretFromEnd + 1 + KEY_ID_LENGTH;
  const environmentStart = prefix.length + 1;
  const known = new Set(environments);

  return Object.freeze({
    prefix,
    environments: Object.freeze([...environments]),
    maxLength,
    scanPattern: new RegExp(
      `\\b${prefix}_(?:${alternatives})_[0-9A-Za-z]{${KEY_ID_LENGTH}}_[0-9A-Za-z]{${secretLength + TOKEN_CHECKSUM_LENGTH}}\\b`,
      'g',
    ),

    generate(environment: string, id: string): string {
      if (!known.has(environment)) throw new TypeError(`Unknown environment ${environment}.`);
      if (!KEY_ID_PATTERN.test(id)) throw new TypeError('A key id is 16 base62 characters.');
      return randomToken({ prefix: `${prefix}_${environment}_${id}`, bytes: secretBytes });
    },

    parse(text: unknown): ParsedApiKey | undefined {
      // The cap comes first: no pattern runs over a long header.
      if (typeof text !== 'string' || text.length < minLength || text.length > maxLength) {
        return undefined;
      }
      if (!exact.test(text) || !hasTokenChecksum(text)) return undefined;
      const end = text.length;
      // The pattern fixed every part's length, so the parts are where the offsets say.
      return {
        environment: text.slice(environmentStart, end - idFromEnd - 1),
        id: text.slice(end - idFromEnd, end - secretFromEnd - 1),
        secret: text.slice(end - secretFromEnd, end - TOKEN_CHECKSUM_LENGTH),
      };
    },

    displayPrefix(environment: string, id: string): string {
      return `${prefix}_${environment}_${id}`;
    },
  });
}
