import { HmacSha256Key, macTextEquals, parseOptions } from '@rampart/core';
import { z } from 'zod';
import { type BytesOrText, toBytes, toBytesOrUndefined } from './input.js';
import { KEY_ID_PATTERN } from './key-material.js';
import { importKeys, type KeyInput, keysSchema } from './keys-option.js';

/** Options of {@link createKeyedHasher}. */
export interface KeyedHasherOptions {
  /**
   * The peppers, current first: the first hashes, every one verifies. Use keys of their own, not
   * the key ring's: a pepper only ever keys HMAC-SHA256.
   */
  keys: readonly KeyInput[];
}

/**
 * Keyed hashes of secrets a server only checks (API keys, session ids, recovery codes): the
 * stored text is `h1.<pepperId>.<HMAC-SHA256 as base64url>`, so a leaked table without the
 * pepper cannot be brute-forced offline, and the pepper can rotate.
 */
export interface KeyedHasher {
  /** The id of the pepper that hashes: the first of `keys`. */
  readonly currentKeyId: string;
  /**
   * `h1.<pepperId>.<43 characters>`: HMAC-SHA256 of `value` (bytes, or a string as UTF-8) under
   * the current pepper. Deterministic, so it can be looked up by equality.
   */
  hash(value: BytesOrText): string;
  /**
   * `value`'s hash under every pepper, current first: during a rotation, look a value up with
   * all of them (`WHERE token_hash = ANY($1)`) and rehash the row found with an old one.
   */
  hashAll(value: BytesOrText): string[];
  /**
   * True when `stored` is the hash of `value` under one of the peppers, compared in constant
   * time. False for anything else: another value, a pepper no longer configured, a malformed
   * `stored`, a `value` that is not a string or bytes.
   */
  verify(value: unknown, stored: unknown): boolean;
  /** True when `stored` is not a hash under the current pepper (or not a hash at all): rehash. */
  needsRehash(stored: unknown): boolean;
}

const HASH_VERSION = 'h1';
const MAC_CHARACTERS = 43;
/** 32 bytes of canonical base64url: the last character carries 2 unused (zero) bits. */
const MAC_TEXT = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
/** `h1.` + the longest id + `.` + the MAC. */
const MAX_HASH_LENGTH = HASH_VERSION.length + 1 + 32 + 1 + MAC_CHARACTERS;

const optionsSchema = z.strictObject({ keys: keysSchema });

/**
 * What the HMAC is fed for `value`: an ASCII string as is (its UTF-8 bytes are its characters,
 * which the key writes straight into its buffer, so no `Buffer` is made per hash: an API key is
 * hashed on every request), anything else as `toBytes` converts it. A string whose UTF-8 length
 * equals its length has no character above U+007F (a lone surrogate takes 3 bytes).
 */
function hmacInput(value: BytesOrText): string | Uint8Array {
  if (typeof value === 'string' && Buffer.byteLength(value, 'utf8') === value.length) return value;
  return toBytes(value, 'value');
}

/** `{ keyId, mac }` of a stored keyed hash, or `undefined` when it is not one. */
function parseStored(stored: unknown): { keyId: string; mac: string } | undefined {
  if (typeof stored !== 'string' || stored.length > MAX_HASH_LENGTH) return undefined;
  if (!stored.startsWith(`${HASH_VERSION}.`)) return undefined;
  const macStart = stored.length - MAC_CHARACTERS;
  if (stored.charCodeAt(macStart - 1) !== 0x2e /* . */) return undefined;
  const keyId = stored.slice(HASH_VERSION.length + 1, macStart - 1);
  const mac = stored.slice(macStart);
  if (!KEY_ID_PATTERN.test(keyId) || !MAC_TEXT.test(mac)) return undefined;
  return { keyId, mac };
}

/**
 * Creates a keyed hasher (HMAC-SHA256 with a pepper) from 32-byte keys with ids, the first one
 * current. Throws `RampartConfigError` naming the option for a bad key, as `createKeyRing` does.
 *
 * @example
 * const tokens = createKeyedHasher({ keys: [{ id: 'p1', key: process.env.TOKEN_PEPPER! }] });
 * await db.insert({ tokenHash: tokens.hash(token) });
 * if (tokens.verify(presented, row.tokenHash) && tokens.needsRehash(row.tokenHash)) { … }
 */
export function createKeyedHasher(options: KeyedHasherOptions): KeyedHasher {
  const parsed = parseOptions('createKeyedHasher', optionsSchema, options);
  const peppers = importKeys(parsed.keys).map(({ id, key }) => ({
    id,
    hmac: new HmacSha256Key(key),
    // `h1.<id>.`, built once: a hash is then one concatenation.
    head: `${HASH_VERSION}.${id}.`,
  }));
  const byId = new Map(peppers.map((pepper) => [pepper.id, pepper.hmac]));
  const current = peppers[0] as (typeof peppers)[number];

  return Object.freeze({
    currentKeyId: current.id,

    hash(value: BytesOrText): string {
      return current.head + current.hmac.signBase64url(hmacInput(value));
    },

    hashAll(value: BytesOrText): string[] {
      const input = hmacInput(value);
      const hashes: string[] = [];
      for (const { head, hmac } of peppers) hashes.push(head + hmac.signBase64url(input));
      return hashes;
    },

    verify(value: unknown, stored: unknown): boolean {
      const parts = parseStored(stored);
      const hmac = parts && byId.get(parts.keyId);
      const bytes = toBytesOrUndefined(value);
      if (parts === undefined || hmac === undefined || bytes === undefined) return false;
      return macTextEquals(hmac.signBase64url(bytes), parts.mac);
    },

    needsRehash(stored: unknown): boolean {
      return parseStored(stored)?.keyId !== current.id;
    },
  });
}
