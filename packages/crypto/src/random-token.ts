import { crc32 } from 'node:zlib';
import { parseOptions } from '@rampart/core';
import { z } from 'zod';
import {
  BITS_PER_BASE62_CHARACTER,
  CRC32_BASE62_LENGTH,
  randomBase62,
  uint32ToBase62,
} from './base62.js';

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

/** A format with its defaults, and the lengths it implies. */
interface ResolvedFormat {
  readonly head: string;
  readonly randomLength: number;
  readonly checksum: boolean;
  readonly prefix: string | undefined;
  readonly length: number;
}

function resolve(owner: string, format: TokenFormat | undefined): ResolvedFormat {
  const parsed = parseOptions(owner, formatSchema, format);
  const head = parsed.prefix === undefined ? '' : `${parsed.prefix}_`;
  const randomLength = randomLengthFor(parsed.bytes);
  const checksumLength = parsed.checksum ? CRC32_BASE62_LENGTH : 0;
  return {
    head,
    randomLength,
    checksum: parsed.checksum,
    prefix: parsed.prefix,
    length: head.length + randomLength + checksumLength,
  };
}

/** Base62 characters that carry at least `bytes` bytes of entropy. */
export function randomLengthFor(bytes: number): number {
  return Math.ceil((8 * bytes) / BITS_PER_BASE62_CHARACTER);
}

/** The entropy of a token of this format, in bits (the random part only). */
export function tokenEntropyBits(format: TokenFormat = {}): number {
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
export function randomToken(format?: TokenFormat): string {
  const { head, randomLength, checksum } = resolve('randomToken', format);
  const body = head + randomBase62(randomLength);
  return checksum ? body + uint32ToBase62(crc32(body)) : body;
}

/**
 * Checks `text` against a token format: its length, its prefix, the base62 alphabet, then the
 * checksum. Returns the parts, or `undefined` for anything else (whatever `text` is), so a
 * mistyped or made-up token is refused before any store lookup. A single changed character is
 * always caught (CRC32 detects every error within 32 consecutive bits). Throws
 * `RampartConfigError` only for a bad format.
 *
 * @example
 * const parsed = parseToken(req.get('x-api-key'), { prefix: 'rk_live' });
 * if (parsed === undefined) throw unauthorized();
 */
export function parseToken(text: unknown, format?: TokenFormat): ParsedToken | undefined {
  const { head, randomLength, checksum, prefix, length } = resolve('parseToken', format);
  if (typeof text !== 'string' || text.length !== length || !text.startsWith(head)) {
    return undefined;
  }
  const tail = text.slice(head.length);
  if (!BASE62.test(tail)) return undefined;
  if (checksum) {
    const bodyEnd = length - CRC32_BASE62_LENGTH;
    if (uint32ToBase62(crc32(text.slice(0, bodyEnd))) !== text.slice(bodyEnd)) return undefined;
  }
  return { token: text, prefix, random: tail.slice(0, randomLength) };
}
