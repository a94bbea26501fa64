import { readIPv4Into } from './ipv4.js';

/**
 * Strict IPv6 text parsing (RFC 4291 §2.2) and canonical formatting (RFC 5952).
 *
 * Accepted: eight groups of 1–4 hex digits, one `::` standing for one or more zero groups, and a
 * dotted-quad IPv4 in the last 32 bits (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.1`).
 *
 * Refused: zone ids (`fe80::1%eth0`). A zone names an interface of the machine that printed the
 * address; in a header it means nothing to us and would give one host many spellings. The
 * client-IP resolver strips the zone of the socket peer only, which the kernel reports.
 * Also refused: brackets, prefixes, more than one `::`, a `::` standing for no group, empty
 * groups, groups over 4 digits, and whitespace.
 */

/** Longest text form: `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`. */
const MAX_IPV6_LENGTH = 45;

/**
 * Parses IPv6 text into its 16 bytes, or returns `null`. Never throws.
 *
 * @example
 * parseIPv6('2001:db8::1'); // Uint8Array [0x20, 0x01, 0x0d, 0xb8, 0, …, 1]
 * parseIPv6('fe80::1%eth0'); // null: zone ids are refused
 */
export function parseIPv6(text: string): Uint8Array | null {
  if (typeof text !== 'string' || text.length < 2 || text.length > MAX_IPV6_LENGTH) return null;
  const bytes = new Uint8Array(16);
  const gap = text.indexOf('::');
  if (gap === -1) {
    return readGroups(text, 0, text.length, bytes, 0, true) === 16 ? bytes : null;
  }
  if (text.indexOf('::', gap + 1) !== -1) return null;

  const head = new Uint8Array(16);
  const headLength = readGroups(text, 0, gap, head, 0, false);
  if (headLength < 0) return null;
  const tail = new Uint8Array(16);
  const tailLength = readGroups(text, gap + 2, text.length, tail, 0, true);
  if (tailLength < 0) return null;
  // `::` stands for at least one zero group (RFC 4291), so at most 7 groups are written.
  if (headLength + tailLength > 14) return null;
  bytes.set(head.subarray(0, headLength), 0);
  bytes.set(tail.subarray(0, tailLength), 16 - tailLength);
  return bytes;
}

/**
 * Reads the colon-separated groups of `text[start, end)` into `target`, returning the number of
 * bytes written, or -1 when a group is malformed. An empty range writes nothing. When
 * `allowIPv4` is set the last group may be a dotted quad (4 bytes).
 */
function readGroups(
  text: string,
  start: number,
  end: number,
  target: Uint8Array,
  offset: number,
  allowIPv4: boolean,
): number {
  if (start === end) return 0;
  let written = 0;
  let groupStart = start;
  for (let i = start; i <= end; i++) {
    if (i !== end && text.charCodeAt(i) !== 0x3a /* : */) continue;
    const isLast = i === end;
    if (written >= 16) return -1;
    if (isLast && allowIPv4 && text.indexOf('.', groupStart) !== -1) {
      if (written > 12) return -1;
      if (!readIPv4Into(text, groupStart, end, target, offset + written)) return -1;
      return written + 4;
    }
    const value = readHexGroup(text, groupStart, i);
    if (value < 0) return -1;
    target[offset + written] = value >> 8;
    target[offset + written + 1] = value & 0xff;
    written += 2;
    groupStart = i + 1;
  }
  return written;
}

/** One group of 1–4 hex digits as a number, or -1. */
function readHexGroup(text: string, start: number, end: number): number {
  const length = end - start;
  if (length < 1 || length > 4) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/**
 * Formats 16 bytes in the RFC 5952 canonical form: lower-case hex without leading zeros, the
 * longest run of two or more zero groups (the first on a tie) written `::`. IPv4-mapped addresses
 * are printed in hex here; `formatIp` prints them as IPv4.
 *
 * @example
 * formatIPv6(parseIPv6('2001:0DB8:0:0:0:0:0:0001')!); // '2001:db8::1'
 */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));

  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }

  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** True when `text` is IPv6 text this parser accepts. */
export function isIPv6(text: string): boolean {
  return parseIPv6(text) !== null;
}
