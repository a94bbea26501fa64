import { parseOptions } from '@rampart/core';
import { z } from 'zod';
import { gcmOpen, gcmSeal } from './aes-gcm.js';
import {
  CryptoDecryptError,
  CryptoPlaintextTooLargeError,
  CryptoUnknownKeyError,
} from './errors.js';
import { type AadOptions, aadOf, type BytesOrText, toBytes } from './input.js';
import { type ImportedKey, importKeys, type KeyInput, keysSchema } from './keys-option.js';
import { randomIv } from './random-iv.js';
import { formatSealed, maxSealedLength, parseSealed, type SealedParts } from './sealed-text.js';

/** Options of {@link createKeyRing}. */
export interface KeyRingOptions {
  /**
   * The keys, current first: the first seals, every one opens. To rotate, put a new key first,
   * rewrap what the old ones sealed, then drop them (docs/crypto.md has the runbook).
   */
  keys: readonly KeyInput[];
  /** Longest plaintext `seal` accepts, in bytes; default 65 536 (64 KiB), at most 16 MiB. */
  maxPlaintextBytes?: number;
}

/** Seals secrets a server must recover (AES-256-GCM, AAD-bound) and opens them again. */
export interface KeyRing {
  /** The id of the key that seals: the first of `keys`. */
  readonly currentKeyId: string;
  /** Every key id, current first. */
  readonly keyIds: readonly string[];
  /**
   * Seals `plaintext` (bytes, or a string as UTF-8) with the current key and a fresh random
   * 96-bit IV, bound to `aad`. Returns `v1.<kid>.<iv>.<ciphertext+tag>` (see docs/crypto.md);
   * sealing the same plaintext twice gives two different texts. Throws 400
   * `ERR_CRYPTO_PLAINTEXT_TOO_LARGE` over `maxPlaintextBytes`.
   */
  seal(plaintext: BytesOrText, options: AadOptions): string;
  /**
   * The plaintext bytes of a sealed text, with the AAD it was sealed with. Throws 400
   * `ERR_CRYPTO_DECRYPT` for a wrong key, a changed text, a wrong AAD or anything that is not a
   * sealed text (one answer for all), and 400 `ERR_CRYPTO_UNKNOWN_KEY` when a well-formed text
   * names a key id the ring does not hold.
   */
  open(sealed: string, options: AadOptions): Uint8Array;
  /** {@link KeyRing.open}, decoded as UTF-8 (what `seal` made of a string); `TypeError` if not UTF-8. */
  openText(sealed: string, options: AadOptions): string;
  /**
   * Opens `sealed` and seals its plaintext again with the current key. Returns `sealed` itself
   * (the same string) when it already names the current key, after checking it opens, so
   * `rewrap(x, o) !== x` says whether to write the row back. Throws what `open` throws.
   */
  rewrap(sealed: string, options: AadOptions): string;
}

const DEFAULT_MAX_PLAINTEXT_BYTES = 64 * 1024;

const optionsSchema = z.strictObject({
  keys: keysSchema,
  maxPlaintextBytes: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(DEFAULT_MAX_PLAINTEXT_BYTES),
});

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A plaintext opened, and the id of the key that had sealed it. */
export interface OpenedValue {
  readonly kid: string;
  readonly plaintext: Buffer;
}

/**
 * What `open` does once the AAD is known to be bytes: strict parsing before any key is touched,
 * then the key by id, then AES-256-GCM. Empty AAD is allowed here (the ring's methods refuse it
 * first): the AES-GCM test vectors without AAD go through this same path.
 */
export function openSealed(
  sealed: unknown,
  aad: Uint8Array,
  keys: ReadonlyMap<string, ImportedKey>,
  maxLength: number,
): OpenedValue {
  const parts: SealedParts | undefined = parseSealed(sealed, maxLength);
  if (parts === undefined) throw new CryptoDecryptError();
  const key = keys.get(parts.kid);
  if (key === undefined) throw new CryptoUnknownKeyError(parts.kid);
  const plaintext = gcmOpen(key.key, parts.iv, parts.body, aad);
  if (plaintext === undefined) throw new CryptoDecryptError();
  return { kid: parts.kid, plaintext };
}

/**
 * The ring itself, over keys already imported; `createKeyRing` validates the key material first.
 */
class SealingKeyRing implements KeyRing {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  readonly #current: ImportedKey;
  readonly #byId: ReadonlyMap<string, ImportedKey>;
  readonly #maxPlaintextBytes: number;
  readonly #maxSealedLength: number;

  constructor(keys: readonly ImportedKey[], maxPlaintextBytes: number) {
    const current = keys[0];
    if (current === undefined) throw new RangeError('SealingKeyRing: no key');
    this.#current = current;
    this.#byId = new Map(keys.map((key) => [key.id, key]));
    this.#maxPlaintextBytes = maxPlaintextBytes;
    this.#maxSealedLength = maxSealedLength(maxPlaintextBytes);
    this.currentKeyId = current.id;
    this.keyIds = Object.freeze(keys.map((key) => key.id));
  }

  seal(plaintext: BytesOrText, options: AadOptions): string {
    const aad = aadOf(options);
    // A string has at least one byte per UTF-16 unit: refuse a huge one before encoding it.
    if (typeof plaintext === 'string' && plaintext.length > this.#maxPlaintextBytes) {
      throw new CryptoPlaintextTooLargeError(this.#maxPlaintextBytes);
    }
    return this.#sealBytes(toBytes(plaintext, 'plaintext'), aad);
  }

  open(sealed: string, options: AadOptions): Uint8Array {
    return this.#openWithAad(sealed, aadOf(options)).plaintext;
  }

  openText(sealed: string, options: AadOptions): string {
    const plaintext = this.open(sealed, options);
    try {
      return utf8.decode(plaintext);
    } catch {
      throw new TypeError('The sealed plaintext is not UTF-8: it was sealed as bytes; use open().');
    } finally {
      plaintext.fill(0);
    }
  }

  rewrap(sealed: string, options: AadOptions): string {
    const aad = aadOf(options);
    const { kid, plaintext } = this.#openWithAad(sealed, aad);
    try {
      return kid === this.currentKeyId ? sealed : this.#sealBytes(plaintext, aad);
    } finally {
      plaintext.fill(0);
    }
  }

  #openWithAad(sealed: unknown, aad: Uint8Array): OpenedValue {
    return openSealed(sealed, aad, this.#byId, this.#maxSealedLength);
  }

  #sealBytes(plaintext: Uint8Array, aad: Uint8Array): string {
    if (plaintext.byteLength > this.#maxPlaintextBytes) {
      throw new CryptoPlaintextTooLargeError(this.#maxPlaintextBytes);
    }
    const iv = randomIv();
    const body = gcmSeal(this.#current.key, iv, plaintext, aad);
    return formatSealed(this.#current.id, iv, body);
  }
}

/**
 * Creates a key ring from 32-byte keys with ids, the first one current. Throws
 * `RampartConfigError` naming the option (`createKeyRing.keys.1.key`) for a key that is not 32
 * random bytes (wrong length, text, a pattern), a malformed or duplicate id, or no key.
 *
 * @example
 * const ring = createKeyRing({ keys: [{ id: '2025-06', key: process.env.SEALING_KEY! }] });
 * const sealed = ring.seal(totpSecret, { aad: `mfa-secret:${user.id}` });
 * const secret = ring.open(sealed, { aad: `mfa-secret:${user.id}` });
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const parsed = parseOptions('createKeyRing', optionsSchema, options);
  return Object.freeze(new SealingKeyRing(importKeys(parsed.keys), parsed.maxPlaintextBytes));
}
