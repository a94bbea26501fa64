import { formatIpBytes, isIPv4MappedBytes } from './address.js';
import { type IpRange, parseCidrList, rangeContains } from './cidr.js';

/**
 * A compiled list of addresses and CIDR ranges (IPv4, IPv6, IPv4-mapped written either way):
 * single addresses go in a set looked up by canonical text, ranges are scanned. Each family matches
 * its own clients: an IPv4 client (IPv4-mapped IPv6 included) only IPv4 entries, written
 * `10.0.0.0/8` or inside `::ffff:0:0/96` (`::ffff:0:0/96` itself is every IPv4 client); an IPv6
 * range such as `::/0` never matches an IPv4 client, unlike `trustedProxies` (proxy-addr's
 * reading). Built by {@link compileIpList}.
 */
export interface IpList {
  /** How many entries (addresses and ranges) the list holds. */
  readonly size: number;
  /** True when the address, given as its 16 bytes and canonical text, is on the list. */
  contains(bytes: Uint8Array, canonical: string): boolean;
}

/**
 * Compiles `entries` (addresses, CIDR ranges or the presets of `parseCidrList`); throws
 * `RampartConfigError` naming `option[i]` for an entry that is neither.
 *
 * @example
 * compileIpList(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'], 'block');
 */
export function compileIpList(entries: readonly string[], option: string): IpList {
  const single = new Set<string>();
  const v4Ranges: IpRange[] = [];
  const v6Ranges: IpRange[] = [];
  for (const range of parseCidrList(entries, option)) {
    if (range.prefix128 === 128) single.add(formatIpBytes(range.network));
    else if (range.family === 4) v4Ranges.push(range);
    else v6Ranges.push(range);
  }
  return Object.freeze({
    size: single.size + v4Ranges.length + v6Ranges.length,
    contains(bytes: Uint8Array, canonical: string): boolean {
      if (single.has(canonical)) return true;
      // An IPv6 range wider than /96 (`::/0`, `::/64`) also spans the IPv4-mapped block; it
      // must not refuse IPv4 clients, so each family is checked against its own ranges only.
      const ranges = isIPv4MappedBytes(bytes) ? v4Ranges : v6Ranges;
      for (const range of ranges) if (rangeContains(range, bytes)) return true;
      return false;
    },
  });
}
