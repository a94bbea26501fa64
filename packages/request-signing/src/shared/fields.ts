/**
 * The strict formats of every field a signer sends, shared by the server and the browser client
 * (this file imports nothing, so the client entry stays free of `node:` modules). Each pattern is
 * anchored and bounded: untrusted text is matched before it is converted or hashed.
 */

/** Identifier of the line-based scheme; the first line of its signing string. */
export const RAMPART_V1 = 'rampart-v1';

/** Header names of the `rampart-v1` scheme, lower case as Node delivers them. */
export const RAMPART_V1_HEADERS = Object.freeze({
  keyId: 'x-key-id',
  nonce: 'x-nonce',
  timestamp: 'x-timestamp',
  signature: 'x-signature',
});

/** A key id: 1–128 characters of `[A-Za-z0-9._:~-]`, never a line break or a quote. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._:~-]{1,128}$/;

/** A nonce: 16–64 characters of `[A-Za-z0-9_-]` (base64url without padding fits). */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Unix milliseconds: digits only, no sign, no leading zero, no padding, no exponent, no fraction,
 * at most 16 digits (the value is then checked to be a safe integer).
 */
export const TIMESTAMP_MS_PATTERN = /^[1-9][0-9]{0,15}$/;

/** The `rampart-v1` signature: lower-case hex of the 32-byte HMAC-SHA256, exactly 64 characters. */
export const SIGNATURE_HEX_PATTERN = /^[0-9a-f]{64}$/;

/** Lower-case hex digits, indexed by character code (below 103, the code of `g`). */
const LOWER_HEX = new Uint8Array(103);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

/**
 * {@link SIGNATURE_HEX_PATTERN} as a table lookup: the same strict check (exactly 64 characters
 * of `[0-9a-f]`), about three times faster than the RegExp on the verifier's hot path.
 */
export const SIGNATURE_HEX = Object.freeze({
  test(value: string): boolean {
    if (value.length !== 64) return false;
    for (let i = 0; i < 64; i++) {
      const c = value.charCodeAt(i);
      if (c > 102 || LOWER_HEX[c] === 0) return false;
    }
    return true;
  },
});

/** An upper-case HTTP method token. */
export const METHOD_PATTERN = /^[A-Z]{1,16}$/;

/**
 * A request target as signed: visible ASCII only, no space and no line break, so it can sit on
 * one line of the signing string and mean the same bytes on both sides.
 */
export const TARGET_PATTERN = /^\/[\x21-\x7e]{0,8191}$/;

/** The fields of one `rampart-v1` signing string. */
export interface RampartV1Fields {
  keyId: string;
  /** Upper-case method. */
  method: string;
  /** Path and query exactly as sent on the request line. */
  target: string;
  /** Unix milliseconds, as the decimal text sent in `X-Timestamp`. */
  timestamp: string;
  nonce: string;
  /** Lower-case hex SHA-256 of the raw body bytes (of zero bytes when there is no body). */
  bodySha256Hex: string;
}

/**
 * The `rampart-v1` signing string: fixed fields, one per line, in a fixed order, joined with
 * `\n` and no trailing newline. Every field has a strict format without line breaks, so no two
 * different requests share a signing string.
 *
 * ```
 * rampart-v1
 * <key id>
 * <METHOD>
 * <request target>
 * <timestamp ms>
 * <nonce>
 * <hex sha-256 of the body>
 * ```
 */
export function rampartV1SigningString(fields: RampartV1Fields): string {
  return `${RAMPART_V1}\n${fields.keyId}\n${fields.method}\n${fields.target}\n${fields.timestamp}\n${fields.nonce}\n${fields.bodySha256Hex}`;
}
