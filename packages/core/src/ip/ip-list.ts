import { formatIpBytes } from './address.js';
import { type IpRange, parseCidrList, rangeContains } from './cidr.js';

/**
 * A compiled list of addresses and CIDR ranges (IPv4, IPv6, IPv4-mapped written either way):
 * single addresses go in a set looked up by canonical text, ranges are scanned. Built by
 * {@link compileIpList}.
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
  const ranges: IpRange[] = [];
  for (const range of parseCidrList(entries, option)) {
    if (range.prefix128 === 128) single.add(formatIpBytes(range.network));
    else ranges.push(range);
  }
  return Object.freeze({
    size: single.size + ranges.length,
    contains(bytes: Uint8Array, canonical: string): boolean {
      if (single.has(canonical)) return true;
      for (const range of ranges) if (rangeContains(range, bytes)) return true;
      return false;
    },
  });
}
