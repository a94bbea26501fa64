import { formatIPv4, parseIPv4 } from './ipv4.js';
import { formatIPv6, parseIPv6 } from './ipv6.js';

/**
 * One address space for both families: every address is held as 16 bytes, IPv4 as its
 * IPv4-mapped IPv6 form `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2). A dual-stack socket reports IPv4
 * peers that way, so `::ffff:192.0.2.1`, `::ffff:c000:201` and `192.0.2.1` are one client with
 * one canonical spelling, and one CIDR matcher serves both families.
 */

/** The first 12 bytes of an IPv4-mapped IPv6 address. */
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] as const;

/**
 * Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as IPv4-mapped), or returns `null`.
 * Never throws; accepts only what `parseIPv4` and `parseIPv6` accept.
 */
export function parseIpBytes(text: string): Uint8Array | null {
  if (typeof text !== 'string') return null;
  // A colon can only be IPv6; otherwise only a dotted quad is possible.
  if (text.includes(':')) return parseIPv6(text);
  const v4 = parseIPv4(text);
  if (v4 === null) return null;
  const bytes = new Uint8Array(16);
  bytes.set(MAPPED_PREFIX, 0);
  bytes.set(v4, 12);
  return bytes;
}

/** True when 16 bytes are an IPv4-mapped IPv6 address, i.e. an IPv4 client. */
export function isIPv4MappedBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) {
    if (bytes[i] !== MAPPED_PREFIX[i]) return false;
  }
  return true;
}

/** The canonical text of 16 bytes: dotted quad for an IPv4(-mapped) address, else RFC 5952. */
export function formatIpBytes(bytes: Uint8Array): string {
  return isIPv4MappedBytes(bytes) ? formatIPv4(bytes, 12) : formatIPv6(bytes);
}

/**
 * The canonical text of an IP address, or `null` when `text` is not one. IPv4-mapped IPv6 becomes
 * IPv4; IPv6 is printed as RFC 5952 recommends. Never throws.
 *
 * @example
 * normalizeIp('::FFFF:192.0.2.1'); // '192.0.2.1'
 * normalizeIp('::ffff:c000:201'); // '192.0.2.1'
 * normalizeIp('2001:DB8:0:0::01'); // '2001:db8::1'
 * normalizeIp('010.0.0.1'); // null
 */
export function normalizeIp(text: string): string | null {
  const bytes = parseIpBytes(text);
  return bytes === null ? null : formatIpBytes(bytes);
}

/** The family of a canonical or raw address: 4 (also for IPv4-mapped IPv6), 6, or `null`. */
export function ipFamily(text: string): 4 | 6 | null {
  const bytes = parseIpBytes(text);
  if (bytes === null) return null;
  return isIPv4MappedBytes(bytes) ? 4 : 6;
}
