/**
 * Strict IPv4 dotted-quad parsing. Only the form every modern stack prints is accepted: four
 * decimal octets 0–255 with no leading zeros. `inet_aton` also accepts `010.1` (octal),
 * `0x7f.1` (hex) and `127.1` (short forms); one address spelled several ways lets an attacker
 * slip past an allow-list or get a fresh rate-limit key, so those forms are refused.
 */

/** Longest dotted quad: `255.255.255.255`. Checked first so junk costs nothing. */
const MAX_IPV4_LENGTH = 15;

const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_DOT = 0x2e;

/**
 * Parses a dotted-quad IPv4 address into its 4 bytes, or returns `null`. Never throws.
 *
 * @example
 * parseIPv4('192.0.2.1'); // Uint8Array [192, 0, 2, 1]
 * parseIPv4('192.000.2.1'); // null: leading zeros could be read as octal elsewhere
 */
export function parseIPv4(text: string): Uint8Array | null {
  if (typeof text !== 'string' || text.length < 7 || text.length > MAX_IPV4_LENGTH) return null;
  const bytes = new Uint8Array(4);
  return readIPv4Into(text, 0, text.length, bytes, 0) ? bytes : null;
}

/**
 * Reads the dotted quad `text[start, end)` into `target[offset … offset + 3]`. Shared with the
 * IPv6 parser for the embedded form `::ffff:192.0.2.1`. Returns `false` for anything that is not
 * exactly four canonical decimal octets.
 */
export function readIPv4Into(
  text: string,
  start: number,
  end: number,
  target: Uint8Array,
  offset: number,
): boolean {
  let octet = 0;
  let digits = 0;
  let index = 0;
  for (let i = start; i <= end; i++) {
    const code = i === end ? CHAR_DOT : text.charCodeAt(i);
    if (code >= CHAR_0 && code <= CHAR_9) {
      // A leading zero is only valid as the whole octet ("0"), never as "01".
      if (digits === 1 && octet === 0) return false;
      octet = octet * 10 + (code - CHAR_0);
      digits++;
      if (digits > 3 || octet > 255) return false;
    } else if (code === CHAR_DOT) {
      if (digits === 0 || index > 3) return false;
      target[offset + index] = octet;
      index++;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return index === 4;
}

/** Formats 4 bytes (from `offset`) as a dotted quad. */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** True when `text` is a canonical dotted-quad IPv4 address. */
export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== null;
}
