import { CONFIG_ERROR_CODES, RampartConfigError } from '../errors/configuration-error.js';
import { formatIpBytes, isIPv4MappedBytes, parseIpBytes } from './address.js';

/**
 * CIDR ranges over the one 128-bit address space of `address.ts`: `10.0.0.0/8` is held as
 * `::ffff:10.0.0.0/104`, so an IPv4 client (however its socket spelled it) matches IPv4 ranges,
 * and an IPv6 range that covers `::ffff:0:0/96` (such as `::/0`) covers IPv4 too, as in
 * proxy-addr.
 */
export interface IpRange {
  /** 4 for a range inside the IPv4-mapped space, else 6. */
  readonly family: 4 | 6;
  /** The prefix length in the range's own family: 8 for `10.0.0.0/8`, 64 for `2001:db8::/64`. */
  readonly prefix: number;
  /** Canonical text: `10.0.0.0/8`, `2001:db8::/32`. Host bits written in the input are cleared. */
  readonly cidr: string;
  /** Network address as 16 bytes, host bits cleared. */
  readonly network: Uint8Array;
  /** Prefix length over 128 bits (`10.0.0.0/8` → 104). */
  readonly prefix128: number;
}

/**
 * Named ranges accepted in a CIDR list, as in proxy-addr: the loopback, link-local and
 * unique-local (private) networks of both families.
 */
export const CIDR_PRESETS: Readonly<
  Record<'loopback' | 'linklocal' | 'uniquelocal', readonly string[]>
> = Object.freeze({
  loopback: Object.freeze(['127.0.0.0/8', '::1/128']),
  linklocal: Object.freeze(['169.254.0.0/16', 'fe80::/10']),
  uniquelocal: Object.freeze(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
});

/** True when `name` is a key of `CIDR_PRESETS`. */
export function isCidrPreset(name: string): name is keyof typeof CIDR_PRESETS {
  return Object.hasOwn(CIDR_PRESETS, name);
}

/**
 * Parses `address/prefix` or a bare address (a /32 or /128 range), or returns `null`. The prefix
 * is 0–32 after IPv4 text and 0–128 after IPv6 text, decimal without leading zeros. Never throws.
 *
 * @example
 * parseCidr('10.1.2.3/8')?.cidr; // '10.0.0.0/8'
 * parseCidr('::ffff:10.0.0.0/104')?.cidr; // '10.0.0.0/8'
 * parseCidr('10.0.0.0/08'); // null
 */
export function parseCidr(text: string): IpRange | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseIpBytes(addressText);
  if (bytes === null) return null;
  const isV6Text = addressText.includes(':');
  const maxPrefix = isV6Text ? 128 : 32;
  let prefix = maxPrefix;
  if (slash !== -1) {
    const parsed = parseDecimal(text, slash + 1);
    if (parsed === null || parsed > maxPrefix) return null;
    prefix = parsed;
  }
  const prefix128 = isV6Text ? prefix : prefix + 96;
  return makeRange(bytes, prefix128);
}

/** A small decimal from `text[start…]`: 1–3 digits, no leading zero, else `null`. */
function parseDecimal(text: string, start: number): number | null {
  const length = text.length - start;
  if (length < 1 || length > 3) return null;
  if (length > 1 && text.charCodeAt(start) === 0x30) return null;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return null;
    value = value * 10 + (code - 0x30);
  }
  return value;
}

function makeRange(address: Uint8Array, prefix128: number): IpRange {
  const network = maskBytes(address, prefix128);
  const family = prefix128 >= 96 && isIPv4MappedBytes(network) ? 4 : 6;
  const prefix = family === 4 ? prefix128 - 96 : prefix128;
  return Object.freeze({
    family,
    prefix,
    cidr: `${formatIpBytes(network)}/${prefix}`,
    network,
    prefix128,
  });
}

/** A copy of 16 bytes with every bit after the first `prefix128` cleared. */
export function maskBytes(bytes: Uint8Array, prefix128: number): Uint8Array {
  const masked = new Uint8Array(16);
  const whole = prefix128 >> 3;
  masked.set(bytes.subarray(0, whole), 0);
  const rest = prefix128 & 7;
  if (rest !== 0 && whole < 16) masked[whole] = (bytes[whole] ?? 0) & (0xff << (8 - rest));
  return masked;
}

/** True when the 16-byte `address` lies in `range`. */
export function rangeContains(range: IpRange, address: Uint8Array): boolean {
  const whole = range.prefix128 >> 3;
  for (let i = 0; i < whole; i++) {
    if (address[i] !== range.network[i]) return false;
  }
  const rest = range.prefix128 & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[whole] ?? 0) & mask) === range.network[whole];
}

/**
 * Parses a configured list of CIDR ranges, bare addresses and preset names (`loopback`,
 * `linklocal`, `uniquelocal`). A bad entry throws `RampartConfigError` naming it, e.g.
 * `trustedProxies[2]`; entries are not trimmed or split, so a typo is never half-accepted.
 *
 * @example
 * parseCidrList(['loopback', '10.0.0.0/8', '2001:db8::1'], 'trustedProxies');
 */
export function parseCidrList(entries: readonly string[], option: string): readonly IpRange[] {
  if (!Array.isArray(entries)) {
    throw new RampartConfigError(
      option,
      'must be an array of CIDR ranges, addresses or presets.',
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  const ranges: IpRange[] = [];
  entries.forEach((entry: unknown, index) => {
    const name = `${option}[${index}]`;
    if (typeof entry !== 'string') {
      throw new RampartConfigError(
        name,
        'must be a string such as "10.0.0.0/8".',
        CONFIG_ERROR_CODES.invalidType,
      );
    }
    if (isCidrPreset(entry)) {
      for (const cidr of CIDR_PRESETS[entry]) ranges.push(parseCidr(cidr) as IpRange);
      return;
    }
    const range = parseCidr(entry);
    if (range === null) {
      throw new RampartConfigError(
        name,
        `${JSON.stringify(entry)} is not an IP address or CIDR range. Use e.g. "10.0.0.0/8", ` +
          '"2001:db8::/32", "192.0.2.1" or a preset: "loopback", "linklocal", "uniquelocal".',
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    ranges.push(range);
  });
  return Object.freeze(ranges);
}
