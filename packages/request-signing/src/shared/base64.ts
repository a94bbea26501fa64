/**
 * Base64 with strict patterns, usable in Node and browsers (no `Buffer`, no `node:`). Decoding
 * refuses anything but the canonical form, so one byte string has one accepted spelling. The
 * server's base64url secrets go through core's `decodeBase64url`; this one serves the browser
 * client (which cannot load core) and the standard-alphabet byte sequences of RFC 9421.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const DECODE: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) {
    table[ALPHABET.charCodeAt(i)] = i;
    table[URL_ALPHABET.charCodeAt(i)] = i;
  }
  return table;
})();

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      alphabet[n >> 18] +
      (alphabet[(n >> 12) & 63] as string) +
      (alphabet[(n >> 6) & 63] as string) +
      (alphabet[n & 63] as string);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += (alphabet[n >> 18] as string) + (alphabet[(n >> 12) & 63] as string) + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out +=
      (alphabet[n >> 18] as string) +
      (alphabet[(n >> 12) & 63] as string) +
      (alphabet[(n >> 6) & 63] as string) +
      (pad ? '=' : '');
  }
  return out;
}

/** Standard base64 with padding (RFC 4648 §4), as RFC 8941 byte sequences use. */
export function encodeBase64(bytes: Uint8Array): string {
  return encode(bytes, ALPHABET, true);
}

/** base64url without padding (RFC 4648 §5). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_ALPHABET, false);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes canonical base64 (`padded: true`, standard alphabet with `=`) or base64url without
 * padding. Returns `undefined` for anything else, including non-zero unused bits, so a value
 * decodes only from its one canonical spelling.
 */
export function decodeBase64(
  text: string,
  variant: 'base64' | 'base64url',
): Uint8Array | undefined {
  if (variant === 'base64' ? !BASE64.test(text) : !BASE64URL.test(text) || text.length % 4 === 1) {
    return undefined;
  }
  const body = variant === 'base64' ? text.replace(/=+$/, '') : text;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    value = (value << 6) | (DECODE[body.charCodeAt(i)] as number);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  // Left-over bits must be zero, or two spellings would decode to the same bytes.
  if ((value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** Lower-case hex of `bytes`. */
export function encodeHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}
