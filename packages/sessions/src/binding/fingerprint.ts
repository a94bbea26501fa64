import { createHash } from 'node:crypto';
import { type HeaderRecord, headerValues, normalizeIp, parseIPv4, parseIPv6 } from '@rampart/core';

/**
 * What a browser says about itself on every request, reduced to what survives an update: the
 * User-Agent's product family and major version, the platform (from client hints when sent),
 * the Chromium brand list of `Sec-CH-UA`, the first `Accept-Language` tag, the
 * `Accept-Encoding` codings and the client's network (/24 for IPv4, /48 for IPv6). The seed
 * hashed all of this into one value and killed the session on any change; here each part is
 * compared on its own by the scorer (binding/scorer.ts).
 */
export interface Fingerprint {
  /** `chrome`, `firefox`, `safari`, `edge`, `opera`, `samsung`, or the first product token (`curl`). */
  readonly family: string;
  /** The major version of that product, when the User-Agent gives one. */
  readonly major: number | undefined;
  /** `windows`, `macos`, `linux`, `android`, `ios`, `chromeos`, another hinted platform, or ''. */
  readonly platform: string;
  /** The brands of `Sec-CH-UA` without versions or GREASE, sorted; '' without the header. */
  readonly brands: string;
  /** The first language tag of `Accept-Language`, lower case; ''. */
  readonly language: string;
  /** The codings of `Accept-Encoding`, lower case, sorted, unique; ''. */
  readonly encoding: string;
  /** `a.b.c.0/24`, `x:y:z::/48`, or the address as given when it is none. */
  readonly network: string;
}

/** Longest header text looked at: a User-Agent is rarely 300 characters. */
const MAX_HEADER_TEXT = 512;

function headerText(headers: HeaderRecord, name: string): string {
  return headerValues(headers, name).join(', ').slice(0, MAX_HEADER_TEXT);
}

/** Checked in order: Edge, Opera and Samsung also name Chrome and Safari; Chrome names Safari. */
const BROWSERS: ReadonlyArray<readonly [string, RegExp]> = [
  ['edge', /\bEdg(?:e|A|iOS)?\/(\d{1,6})/],
  ['opera', /\b(?:OPR|OPiOS|Opera)\/(\d{1,6})/],
  ['samsung', /\bSamsungBrowser\/(\d{1,6})/],
  ['firefox', /\b(?:Firefox|FxiOS)\/(\d{1,6})/],
  ['chrome', /\b(?:CriOS|Chrome|Chromium)\/(\d{1,6})/],
  ['safari', /\bVersion\/(\d{1,6})[^ ]* (?:Mobile\/\S+ )?Safari\//],
  ['safari', /\bSafari\/()/],
];

/** The first product of a non-browser client: `curl/8.5.0`, `python-requests/2.31`. */
const FIRST_PRODUCT = /^([A-Za-z][A-Za-z0-9._-]{0,39})(?:\/(\d{1,6}))?/;

const PLATFORMS: ReadonlyArray<readonly [string, RegExp]> = [
  ['windows', /Windows/],
  ['android', /Android/],
  ['ios', /iPhone|iPad|iPod/],
  ['chromeos', /CrOS/],
  ['macos', /Macintosh|Mac OS X/],
  ['linux', /Linux|X11/],
];

function productOf(userAgent: string): { family: string; major: number | undefined } {
  for (const [family, pattern] of BROWSERS) {
    const match = pattern.exec(userAgent);
    if (match !== null) {
      const version = match[1];
      return { family, major: version ? Number(version) : undefined };
    }
  }
  const product = FIRST_PRODUCT.exec(userAgent);
  if (product === null) return { family: userAgent === '' ? 'none' : 'other', major: undefined };
  const version = product[2];
  return {
    family: (product[1] as string).toLowerCase(),
    major: version === undefined ? undefined : Number(version),
  };
}

function platformOf(userAgent: string, hinted: string): string {
  if (hinted !== '') {
    const name = hinted.replace(/^"|"$/g, '').toLowerCase().replace(/\s+/g, '');
    if (name === 'macos' || name === 'macosx') return 'macos';
    if (name === 'chromeos' || name === 'chromiumos') return 'chromeos';
    if (/^[a-z0-9]{1,20}$/.test(name)) return name;
  }
  for (const [platform, pattern] of PLATFORMS) if (pattern.test(userAgent)) return platform;
  return '';
}

/** `"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"` → `chromium,google chrome`. */
function brandsOf(header: string): string {
  if (header === '') return '';
  const brands = new Set<string>();
  for (const match of header.matchAll(/"([^"]{1,40})"\s*;\s*v="[^"]*"/g)) {
    const brand = (match[1] as string).toLowerCase();
    // GREASE brands ("Not-A.Brand", "Not)A;Brand" …) change with every release.
    if (!/not.a.brand/.test(brand)) brands.add(brand);
  }
  return [...brands].sort().join(',');
}

function languageOf(header: string): string {
  const first = header.split(',')[0]?.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9*-]{1,35}$/.test(first) ? first : '';
}

function encodingOf(header: string): string {
  const codings = new Set<string>();
  for (const part of header.split(',')) {
    const coding = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (/^[a-z0-9*._-]{1,20}$/.test(coding)) codings.add(coding);
  }
  return [...codings].sort().join(',');
}

/** The network an address belongs to: its /24 (IPv4) or /48 (IPv6). */
export function networkOf(ip: string): string {
  const canonical = normalizeIp(ip);
  if (canonical === null) return ip;
  const v4 = parseIPv4(canonical);
  if (v4 !== null) return `${v4[0]}.${v4[1]}.${v4[2]}.0/24`;
  const v6 = parseIPv6(canonical);
  if (v6 === null) return canonical;
  const hextet = (i: number) => (((v6[i] as number) << 8) | (v6[i + 1] as number)).toString(16);
  return `${hextet(0)}:${hextet(2)}:${hextet(4)}::/48`;
}

/** The fingerprint of a request's headers and client IP. Never throws. */
export function fingerprintOf(headers: HeaderRecord, ip: string): Fingerprint {
  const userAgent = headerText(headers, 'user-agent');
  const { family, major } = productOf(userAgent);
  return {
    family,
    major: major !== undefined && Number.isSafeInteger(major) ? major : undefined,
    platform: platformOf(userAgent, headerText(headers, 'sec-ch-ua-platform')),
    brands: brandsOf(headerText(headers, 'sec-ch-ua')),
    language: languageOf(headerText(headers, 'accept-language')),
    encoding: encodingOf(headerText(headers, 'accept-encoding')),
    network: networkOf(ip),
  };
}

/** 66 bits of SHA-256 of one part: equality is all the scorer needs, so no part is kept in clear. */
function digest(part: string, value: string): string {
  if (value === '') return '';
  return createHash('sha256')
    .update(`rampart-sessions:${part}:${value}`)
    .digest('base64url')
    .slice(0, 11);
}

const VERSION = 'b1';

/**
 * The fingerprint as a store keeps it: `b1.` and the hash of each part but the major version
 * (kept as a number so an update can be told from a downgrade), separated by `.`.
 */
export function encodeFingerprint(fingerprint: Fingerprint): string {
  return [
    VERSION,
    digest('family', fingerprint.family),
    fingerprint.major === undefined ? '' : String(fingerprint.major),
    digest('platform', fingerprint.platform),
    digest('brands', fingerprint.brands),
    digest('language', fingerprint.language),
    digest('encoding', fingerprint.encoding),
    digest('network', fingerprint.network),
  ].join('.');
}

/** A stored fingerprint: the part hashes, the major version. */
export interface StoredFingerprint {
  readonly family: string;
  readonly major: number | undefined;
  readonly platform: string;
  readonly brands: string;
  readonly language: string;
  readonly encoding: string;
  readonly network: string;
}

const STORED = /^b1\.([\w-]*)\.(\d{0,6})\.([\w-]*)\.([\w-]*)\.([\w-]*)\.([\w-]*)\.([\w-]*)$/;

/** Reads what {@link encodeFingerprint} wrote; `undefined` for anything else. */
export function decodeFingerprint(text: string): StoredFingerprint | undefined {
  const match = STORED.exec(text);
  if (match === null) return undefined;
  const [, family, major, platform, brands, language, encoding, network] =
    match as unknown as string[];
  return {
    family: family as string,
    major: major === '' ? undefined : Number(major),
    platform: platform as string,
    brands: brands as string,
    language: language as string,
    encoding: encoding as string,
    network: network as string,
  };
}
