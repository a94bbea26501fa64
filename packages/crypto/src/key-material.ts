import { randomBytes } from 'node:crypto';
import { CONFIG_ERROR_CODES, type ConfigErrorCode, decodeBase64url } from '@rampart/core';

/** Every key (sealing key or pepper) is exactly 32 random bytes: AES-256's key, HMAC's block. */
export const KEY_BYTES = 32;

/**
 * A key id: 1 to 32 of `A–Z a–z 0–9 _ -`. It is written in every sealed text and keyed hash,
 * between dots, so it can hold no dot; short, as every stored value repeats it.
 */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Fewer distinct byte values than this is a pattern (zeros, a counter, a repeated block), not 32
 * random bytes, which have about 30 (fewer than 16 happens to 1 random key in 3·10^16).
 */
const MIN_DISTINCT_BYTES = 16;

/**
 * Fewer distinct characters than this in a 43-character base64url key reads like words or a
 * pattern; a random key has about 31 (fewer than 20 happens to 1 random key in 50 million, and
 * `generateKey()` never returns one).
 */
const MIN_DISTINCT_BASE64URL_CHARACTERS = 20;

const BASE64URL_KEY_LENGTH = 43;
const HEX_KEY = /^(?:[0-9a-f]{64}|[0-9A-F]{64})$/;

const GENERATE_HINT =
  'generate one with generateKey() from @rampart/crypto, or ' +
  "`node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\"`";

/** Why a configured key is refused, and the start-up error code that goes with it. */
export interface KeyRefusal {
  readonly message: string;
  readonly code: ConfigErrorCode;
}

const invalid = (message: string): KeyRefusal => ({
  message,
  code: CONFIG_ERROR_CODES.invalidValue,
});

function distinctCount(values: Iterable<number | string>): number {
  return new Set(values).size;
}

/** Why `bytes` (32 of them) do not look like random key bytes, or `undefined` when they do. */
function refusalOfBytes(bytes: Uint8Array): KeyRefusal | undefined {
  // 32 random bytes are all printable ASCII once in 6·10^13 tries: this is text.
  if (bytes.every((byte) => byte >= 0x20 && byte <= 0x7e)) {
    return invalid(`is printable text (a passphrase?), not 32 random bytes: ${GENERATE_HINT}.`);
  }
  if (distinctCount(bytes) < MIN_DISTINCT_BYTES) {
    return invalid(
      `has too few distinct bytes to be random (zeros, a counter or a repeated pattern): ${GENERATE_HINT}.`,
    );
  }
  return undefined;
}

/**
 * Decodes and checks one configured key. Accepted: a `Uint8Array` of exactly 32 bytes, 43
 * characters of canonical unpadded base64url, or 64 hex digits (one case), whose bytes are not
 * all printable ASCII and hold at least 16 distinct values; base64url text must also hold at
 * least 20 distinct characters. Returns a copy of the bytes (the caller wipes it after import),
 * or the reason for the refusal with its start-up error code; the reason never repeats the key.
 */
export function decodeKeyMaterial(value: unknown): Buffer | KeyRefusal {
  let bytes: Buffer;
  if (value instanceof Uint8Array) {
    if (value.byteLength !== KEY_BYTES) {
      return {
        message: `must be exactly ${KEY_BYTES} bytes, got ${value.byteLength}.`,
        code:
          value.byteLength < KEY_BYTES
            ? CONFIG_ERROR_CODES.secretTooShort
            : CONFIG_ERROR_CODES.outOfRange,
      };
    }
    bytes = Buffer.from(value);
  } else if (typeof value === 'string') {
    if (value.length === BASE64URL_KEY_LENGTH) {
      const decoded = decodeBase64url(value);
      if (decoded === undefined) {
        return invalid('is 43 characters but not canonical unpadded base64url.');
      }
      if (distinctCount(value) < MIN_DISTINCT_BASE64URL_CHARACTERS) {
        decoded.fill(0);
        return invalid(`reads like words or a pattern, not 32 random bytes: ${GENERATE_HINT}.`);
      }
      bytes = decoded;
    } else if (value.length === 2 * KEY_BYTES && HEX_KEY.test(value)) {
      bytes = Buffer.from(value, 'hex');
    } else {
      return invalid(
        `must be ${KEY_BYTES} random bytes: a Uint8Array, 43 characters of unpadded base64url or 64 hex digits; got a string of ${value.length} characters.`,
      );
    }
  } else {
    return {
      message: `must be ${KEY_BYTES} random bytes: a Uint8Array, or a base64url or hex string.`,
      code: value === undefined ? CONFIG_ERROR_CODES.missingOption : CONFIG_ERROR_CODES.invalidType,
    };
  }
  const refusal = refusalOfBytes(bytes);
  if (refusal !== undefined) {
    bytes.fill(0);
    return refusal;
  }
  return bytes;
}

/**
 * A new key: 32 bytes from the CSPRNG as 43 characters of base64url, one that
 * {@link decodeKeyMaterial} accepts. For the environment or secret manager, e.g. the "add a key"
 * step of a rotation.
 *
 * @example
 * console.log(generateKey()); // e.g. 'q3M0vS1n…' (43 characters)
 */
export function generateKey(): string {
  for (;;) {
    const bytes = randomBytes(KEY_BYTES);
    const text = bytes.toString('base64url');
    bytes.fill(0);
    // The checks refuse about 1 random key in 50 million; draw again rather than return it.
    const decoded = decodeKeyMaterial(text);
    if (Buffer.isBuffer(decoded)) {
      decoded.fill(0);
      return text;
    }
  }
}
