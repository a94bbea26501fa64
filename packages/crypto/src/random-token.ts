import { crc32 } from 'node:zlib';
import { parseOptions } from '@rampart/core';
import { z } from 'zod';
import {
  BITS_PER_BASE62_CHARACTER,
  CRC32_BASE62_LENGTH,
  randomBase62,
  uint32ToBase62,
} from './base62.js';
import { hasTokenChecksum } from './token-checksum.js';

/**
 * The shape of a random token, shared by {@link randomToken} and {@link parseToken}:
 * `<prefix>_<random><checksum>`, e.g. `rk_live_1fHq…` + 6 checksum characters.
 */
export interface TokenFormat {
  /**
   * Entropy in bytes, 16 to 64; default 32. The random part is ⌈8·bytes / log2 62⌉ base62
   * characters, so the token carries at least 8·bytes bits: 32 → 43 characters, 256.0 bits.
   */
  bytes?: number;
  /**
   * A fixed prefix before `_` that says what the token is (and lets a secret scanner find it),
   * e.g. `rk_live`: 1 to 32 of `A–Z a–z 0–9 _`, starting with a letter, not ending with `_`.
   */
  prefix?: string;
  /**
   * Append a CRC32 of everything before it as 6 base62 characters (as GitHub's tokens do), so a
   * typo or truncation is refused by `parseToken` before any store lookup; default `true`. Not a
   * MAC: anyone can compute it.
   */
  checksum?: boolean;
}

/** A token that passed {@link parseToken}. */
export interface ParsedToken {
  /** The whole token, as given. */
  readonly token: string;
  readonly prefix: string | undefined;
  /** The random base62 characters (the secret part). */
  readonly random: string;
}

const PREFIX = /^[A-Za-z](?:[A-Za-z0-9_]{0,30}[A-Za-z0-9])?$/;
const BASE62 = /^[0-9A-Za-z]*$/;

const formatSchema = z.strictObject({
  bytes: z.number().int().min(16).max(64).default(32),
  prefix: z
    .string()
    .regex(PREFIX, 'must be 1 to 32 of A-Z a-z 0-9 _, start with a letter and not end with _')
    .optional(),
  checksum: z.boolean().default(true),
});

/**
 * A token format validated once, by {@link compileTokenFormat}: pass it to `randomToken`,
 * `parseToken` and `tokenEntropyBits` in place of its options and they skip the validation,
 * which costs several times a parse. For a format used on every request.
 */
export class CompiledTokenFormat {
  readonly bytes: number;
  readonly prefix: string | undefined;
  readonly checksum: boolean;
  /** `<prefix>_`, or `''` without a prefix. */
  readonly head: string;
  /** Base62 characters of the random part. */
  readonly randomLength: number;
  /** Characters of every token of this format. */
  readonly length: number;

  /** Use {@link compileTokenFormat}, which validates the options. */
  private constructor(bytes: number, prefix: string | undefined, checksum: boolean) {
    this.bytes = bytes;
    this.prefix = prefix;
    this.checksum = checksum;
    this.head = prefix === undefined ? '' : `${prefix}_`;
    this.randomLength = randomLengthFor(bytes);
    this.length = this.head.length + this.randomLength + (checksum ? CRC32_BASE62_LENGTH : 0);
    Object.freeze(this);
  }

  /** The options validated and frozen; `owner` names the call in a `RampartConfigError`. */
  static from(owner: string, format: TokenFormat | undefined): CompiledTokenFormat {
    const parsed = parseOptions(owner, formatSchema, format);
    return new CompiledTokenFormat(parsed.bytes, parsed.prefix, parsed.checksum);
  }
}

/**
 * Validates a token format once (throws `RampartConfigError` naming the option) for the
 * functions of this module to use without validating it again on each call.
 *
 * @example
 * const DEVICE_TOKEN = compileTokenFormat({ prefix: 'rtd' });
 * const parsed = parseToken(req.cookies.device, DEVICE_TOKEN); // no validation per call
 */
export function compileTokenFormat(format?: TokenFormat): CompiledTokenFormat {
  return CompiledTokenFormat.from('compileTokenFormat', format);
}

/** `format` validated, or as it is when it was compiled already. */
function resolve(
  owner: string,
  format: TokenFormat | CompiledTokenFormat | undefined,
): CompiledTokenFormat {
  return format instanceof CompiledTokenFormat ? format : CompiledTokenFormat.from(owner, format);
}

/** Base62 characters that carry at least `bytes` bytes of entropy. */
export function randomLengthFor(bytes: number): number {
  return Math.ceil((8 * bytes) / BITS_PER_BASE62_CHARACTER);
}

/** The entropy of a token of this format, in bits (the random part only). */
export function tokenEntropyBits(format: TokenFormat | CompiledTokenFormat = {}): number {
  return resolve('tokenEntropyBits', format).randomLength * BITS_PER_BASE62_CHARACTER;
}

/**
 * A new random token from the CSPRNG: `<prefix>_` (when a prefix is given), random base62
 * characters carrying at least `8·bytes` bits, then (by default) a 6-character base62 CRC32 of
 * everything before it. Throws `RampartConfigError` for a bad format.
 *
 * @example
 * randomToken({ prefix: 'rk_live' }); // 'rk_live_' + 43 random + 6 checksum characters
 */
export function randomToken(format?: TokenFormat | CompiledTokenFormat): string {
  const { head, randomLength, checksum } = resolve('randomToken', format);
  const body = head + randomBase62(randomLength);
  return checksum ? body + uint32ToBase62(crc32(body)) : body;
}

/**
 * Checks `text` against a token format: its length, its prefix, the base62 alphabet, then the
 * checksum. Returns the parts, or `undefined` for anything else (whatever `text` is), so a
 * mistyped or made-up token is refused before any store lookup. A single changed character is
 * always caught (CRC32 detects every error within 32 consecutive bits). Throws
 * `RampartConfigError` only for a bad format. On a hot path, pass a format made once with
 * {@link compileTokenFormat}: plain options are validated on every call.
 *
 * @example
 * const parsed = parseToken(req.get('x-api-key'), { prefix: 'rk_live' });
 * if (parsed === undefined) throw unauthorized();
 */
export function parseToken(
  text: unknown,
  format?: TokenFormat | CompiledTokenFormat,
): ParsedToken | undefined {
  const { head, randomLength, checksum, prefix, length } = resolve('parseToken', format);
  if (typeof text !== 'string' || text.length !== length || !text.startsWith(head)) {
    return undefined;
  }
  const tail = text.slice(head.length);
  if (!BASE62.test(tail)) return undefined;
  if (checksum && !hasTokenChecksum(text)) return undefined;
  return { token: text, prefix, random: tail.slice(0, randomLength) };
}
