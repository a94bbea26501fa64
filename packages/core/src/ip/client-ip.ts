import { z } from 'zod';
import { parseOptions } from '../config.js';
import { formatIpBytes, isIPv4MappedBytes, parseIpBytes } from './address.js';
import {
  type IpRange,
  isCidrPreset,
  maskBytes,
  parseCidr,
  parseCidrList,
  rangeContains,
} from './cidr.js';
import { formatIPv4 } from './ipv4.js';
import { formatIPv6, parseIPv6 } from './ipv6.js';

/**
 * The IP `resolve` returns when the socket has no usable peer address (a Unix socket, a socket
 * already destroyed). `0.0.0.0` is never the source of a TCP connection, so it cannot be confused
 * with a real client, and every such request shares one rate-limit key: fail closed.
 */
export const UNKNOWN_CLIENT_IP = '0.0.0.0';

/** Options of `createClientIpResolver`. */
export interface ClientIpResolverOptions {
  /**
   * The proxies whose `X-Forwarded-For` is believed: CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`),
   * bare addresses (a /32 or /128) and presets `loopback`, `linklocal`, `uniquelocal`.
   * Default `[]`: the socket peer is the client and `X-Forwarded-For` is ignored.
   */
  trustedProxies?: readonly string[];
  /**
   * IPv6 clients are keyed by this network prefix, because one subscriber usually holds a whole
   * /64 and can rotate through it at will. 1–128, default 64.
   */
  ipv6PrefixLength?: number;
}

/** Resolves the client IP of a request and the key that groups it. Frozen. */
export interface ClientIpResolver {
  /**
   * The client IP in canonical form (IPv4-mapped IPv6 as IPv4, IPv6 per RFC 5952). The socket
   * peer, unless the peer is a trusted proxy: then `X-Forwarded-For` is walked right to left,
   * skipping trusted hops, and the first untrusted address is the client. A malformed entry
   * stops the walk at the last trusted hop, which is returned; never unparsed text.
   *
   * @param socketAddress `socket.remoteAddress` (a zone id such as `%eth0` is dropped).
   * @param forwardedFor every `X-Forwarded-For` value, in the order received.
   */
  resolve(
    socketAddress: string | undefined,
    forwardedFor: string | readonly string[] | undefined,
  ): string;
  /**
   * The grouping key of a resolved IP: IPv4 as is, IPv6 as its network
   * (`2001:db8:1:2::/64`). Text that is not an IP keys as `UNKNOWN_CLIENT_IP`.
   */
  key(ip: string): string;
  /**
   * `false` when no proxy is trusted: `X-Forwarded-For` then changes no answer, and a caller may
   * skip reading it. Absent (a resolver of your own) means it may.
   */
  readonly trustsProxies?: boolean;
}

const optionsSchema = z
  .object({
    trustedProxies: z
      .array(z.string({ error: 'must be a string such as "10.0.0.0/8".' }), {
        error: 'must be an array of CIDR ranges, addresses or presets.',
      })
      .default([]),
    ipv6PrefixLength: z
      .number({ error: 'must be a whole number from 1 to 128.' })
      .int({ error: 'must be a whole number from 1 to 128.' })
      .min(1, { error: 'must be a whole number from 1 to 128.' })
      .max(128, { error: 'must be a whole number from 1 to 128.' })
      .default(64),
  })
  .strict();

let warnedPermissive = false;

/**
 * Builds the resolver once, at start-up: the CIDR list is parsed and frozen, misconfiguration
 * throws `RampartConfigError` naming the option (`createClientIpResolver.trustedProxies[2]`, or
 * under `owner`, the factory that passed its options on), and a list that trusts very wide
 * ranges is reported once per process as the warning `RAMPART_PERMISSIVE_TRUST_PROXY`.
 *
 * @example
 * const clientIp = createClientIpResolver({ trustedProxies: ['10.0.0.0/8'] });
 * const ip = clientIp.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']);
 * const rateLimitKey = clientIp.key(ip);
 */
export function createClientIpResolver(
  options: ClientIpResolverOptions = {},
  owner = 'createClientIpResolver',
): ClientIpResolver {
  const { trustedProxies, ipv6PrefixLength } = parseOptions(owner, optionsSchema, options);
  const trusted = parseCidrList(trustedProxies, `${owner}.trustedProxies`);
  warnIfPermissive(trustedProxies);

  function isTrusted(address: Uint8Array): boolean {
    for (const range of trusted) {
      if (rangeContains(range, address)) return true;
    }
    return false;
  }

  function resolve(
    socketAddress: string | undefined,
    forwardedFor: string | readonly string[] | undefined,
  ): string {
    // No proxy trusted (the default): the peer is the client, through socketPeerIp's memo.
    if (trusted.length === 0) return socketPeerIp(socketAddress);
    const peer = parseSocketAddress(socketAddress);
    if (peer === null) return UNKNOWN_CLIENT_IP;
    if (!isTrusted(peer)) return formatIpBytes(peer);

    // Each trusted hop appended the address it received from; the first address written by
    // someone we do not trust is the client. Several headers read as one list, in order.
    let current = peer;
    const values =
      forwardedFor === undefined
        ? []
        : typeof forwardedFor === 'string'
          ? [forwardedFor]
          : forwardedFor;
    for (let h = values.length - 1; h >= 0; h--) {
      const value = values[h];
      if (typeof value !== 'string') return formatIpBytes(current);
      let end = value.length;
      for (;;) {
        const start = end === 0 ? 0 : value.lastIndexOf(',', end - 1) + 1;
        const hop = parseForwardedEntry(value, start, end);
        if (hop === null) return formatIpBytes(current);
        if (!isTrusted(hop)) return formatIpBytes(hop);
        current = hop;
        if (start === 0) break;
        end = start - 1;
      }
    }
    return formatIpBytes(current);
  }

  function key(ip: string): string {
    const bytes = parseIpBytes(ip);
    if (bytes === null) return UNKNOWN_CLIENT_IP;
    if (isIPv4MappedBytes(bytes)) return formatIPv4(bytes, 12);
    return `${formatIPv6(maskBytes(bytes, ipv6PrefixLength))}/${ipv6PrefixLength}`;
  }

  return Object.freeze({ resolve, key, trustsProxies: trusted.length > 0 });
}

/**
 * The socket peer as the client IP, in canonical form (IPv4-mapped IPv6 as IPv4), or
 * `UNKNOWN_CLIENT_IP`: what `toSecurityRequest` answers when `rampartCore` did not resolve the
 * request (no proxy is then trusted).
 */
export function socketPeerIp(socketAddress: string | undefined): string {
  // The last peer's answer: requests come in runs from one address (a keep-alive connection, the
  // proxy in front); parsing and formatting it again was 60 % of toSecurityRequest (210 ns).
  if (socketAddress === lastPeer.address) return lastPeer.ip;
  const peer = parseSocketAddress(socketAddress);
  const ip = peer === null ? UNKNOWN_CLIENT_IP : formatIpBytes(peer);
  lastPeer.address = socketAddress;
  lastPeer.ip = ip;
  return ip;
}

/** The address `socketPeerIp` answered last, and its answer. */
const lastPeer: { address: string | undefined; ip: string } = {
  address: undefined,
  ip: UNKNOWN_CLIENT_IP,
};

/** A zone id as the kernel prints it (`eth0`, `en0`, `12`). */
const ZONE_PATTERN = /^[0-9A-Za-z_.-]{1,64}$/;

/** The socket peer as 16 bytes, dropping the zone id Node appends to link-local peers. */
function parseSocketAddress(text: string | undefined): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const percent = text.indexOf('%');
  if (percent === -1) return parseIpBytes(text);
  if (!ZONE_PATTERN.test(text.slice(percent + 1))) return null;
  return parseIpBytes(text.slice(0, percent));
}

/** Longest entry considered: `[ffff:…:255.255.255.255]:65535` with some spaces. */
const MAX_ENTRY_LENGTH = 64;

/**
 * One `X-Forwarded-For` entry, `text[start, end)`, as 16 bytes, or `null`. Optional whitespace
 * around it is skipped. Accepted: an IPv4 or IPv6 address, `a.b.c.d:port`, `[v6]` and
 * `[v6]:port` (some load balancers append the client's port). Nothing else.
 */
function parseForwardedEntry(text: string, start: number, end: number): Uint8Array | null {
  let from = start;
  let to = end;
  while (from < to && isWhitespace(text.charCodeAt(from))) from++;
  while (to > from && isWhitespace(text.charCodeAt(to - 1))) to--;
  if (to - from === 0 || to - from > MAX_ENTRY_LENGTH) return null;
  const entry = text.slice(from, to);

  if (entry.charCodeAt(0) === 0x5b /* [ */) {
    const close = entry.indexOf(']');
    if (close === -1) return null;
    const rest = entry.slice(close + 1);
    if (rest !== '' && !(rest.charCodeAt(0) === 0x3a && isPort(rest.slice(1)))) return null;
    return parseIPv6(entry.slice(1, close));
  }
  const address = parseIpBytes(entry);
  if (address !== null) return address;
  const colon = entry.indexOf(':');
  if (colon === -1 || entry.indexOf(':', colon + 1) !== -1 || !isPort(entry.slice(colon + 1))) {
    return null;
  }
  const host = entry.slice(0, colon);
  return host.includes('.') ? parseIpBytes(host) : null;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** A TCP port: 1–5 decimal digits, no leading zero, at most 65535. */
function isPort(text: string): boolean {
  if (text.length < 1 || text.length > 5) return false;
  if (text.length > 1 && text.charCodeAt(0) === 0x30) return false;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
    value = value * 10 + (code - 0x30);
  }
  return value <= 65535;
}

/** The IPv4-mapped `::ffff:0.0.0.0`: a range containing it contains every IPv4 address. */
const ANY_IPV4 = parseIpBytes('0.0.0.0') as Uint8Array;

/**
 * Trusting a very wide range lets anyone inside it choose the IP that rate limits, lockouts and
 * the audit trail see. Presets are private networks and are not reported.
 */
function warnIfPermissive(entries: readonly string[]): void {
  if (warnedPermissive) return;
  const wide: string[] = [];
  entries.forEach((entry, index) => {
    if (isCidrPreset(entry)) return;
    const range = parseCidr(entry);
    if (range !== null && isPermissive(range))
      wide.push(`trustedProxies[${index}] = ${range.cidr}`);
  });
  if (wide.length === 0) return;
  warnedPermissive = true;
  process.emitWarning(
    `Rampart trusts X-Forwarded-For from very wide ranges (${wide.join(', ')}): any client in them ` +
      'can choose the IP that rate limits, lockouts and the audit trail see. List only the ' +
      'addresses of your own proxies (no IPv4 prefix shorter than /8, no IPv6 prefix shorter than /32).',
    { code: 'RAMPART_PERMISSIVE_TRUST_PROXY' },
  );
}

function isPermissive(range: IpRange): boolean {
  if (range.family === 4) return range.prefix < 8;
  return range.prefix < 32 || rangeContains(range, ANY_IPV4);
}
