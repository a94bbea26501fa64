import { z } from 'zod';
import { isCidrPreset, parseCidr } from '../ip/cidr.js';

/**
 * The runtime security settings, in the shape of the seed's `SecuritySettings`: three groups,
 * every field with a default, each read by a package through a getter (see
 * `createSecuritySettings`). Nothing here is a secret, so a change can be logged with its diff.
 */

/**
 * Most entries `ipBlacklist` or `ipWhitelist` may hold. Every refused request scans the ranges,
 * so a list stays short; a longer block list belongs at the network edge (firewall, WAF).
 */
export const MAX_IP_LIST_ENTRIES = 1000;

/** An address, a CIDR range or a preset (`loopback`, `linklocal`, `uniquelocal`). */
const ipEntry = z
  .string()
  .max(64)
  .refine((entry) => isCidrPreset(entry) || parseCidr(entry) !== null, {
    message: 'must be an IP address or CIDR range such as "203.0.113.0/24" or "2001:db8::/32".',
  });

/** An exact origin, as a browser sends it: `https://app.example.com`, `http://localhost:3000`. */
const origin = z
  .string()
  .max(256)
  .refine(
    (text) =>
      URL.canParse(text) &&
      /^https?:$/.test(new URL(text).protocol) &&
      new URL(text).origin === text,
    {
      message:
        'must be an exact origin such as "https://app.example.com" (scheme, lower-case host, port; no path, no trailing slash, no wildcard).',
    },
  );

const seconds = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

const passwordPolicySchema = z.strictObject({
  /** Fewest characters (Unicode code points), as `@rampart/passwords`' policy: 8 to 64. */
  minLength: z.number().int().min(8).max(64).default(12),
  requireUppercase: z.boolean().default(false),
  requireLowercase: z.boolean().default(false),
  requireDigit: z.boolean().default(false),
  requireSymbol: z.boolean().default(false),
});

const authenticationSchema = z.strictObject({
  passwordPolicy: passwordPolicySchema.prefault({}),
  /** Failed logins before the account is locked out for `lockoutDuration`. */
  maxLoginAttempts: z.number().int().min(1).max(100).default(5),
  /** Seconds a lockout lasts. */
  lockoutDuration: seconds(60, 86_400, 900),
  /** Seconds a session may stay idle. */
  sessionTimeout: seconds(60, 2_592_000, 1800),
  /** Most live sessions per user; the oldest goes beyond it. */
  maxConcurrentSessions: z.number().int().min(1).max(1000).default(5),
  /** Every user must pass a second factor. */
  requireMfa: z.boolean().default(false),
});

const rateLimitSchema = z.strictObject({
  /** The window of the general per-principal limit, seconds. */
  windowSeconds: seconds(1, 86_400, 60),
  /** Requests a principal may make per window. */
  maxRequests: z.number().int().min(1).max(1_000_000).default(100),
});

const securitySchema = z.strictObject({
  /** Refuse the addresses of `ipBlacklist` (403 `ERR_IP_BLOCKED`). Default on. */
  enableIpBlacklist: z.boolean().default(true),
  ipBlacklist: z.array(ipEntry).max(MAX_IP_LIST_ENTRIES).readonly().default([]),
  /** Refuse every address not on `ipWhitelist`. Default off. */
  enableIpWhitelist: z.boolean().default(false),
  ipWhitelist: z.array(ipEntry).max(MAX_IP_LIST_ENTRIES).readonly().default([]),
  /** Exact origins CORS answers; no wildcard (credentials are sent). */
  corsOrigins: z.array(origin).max(100).readonly().default([]),
  /** Seconds a signed request's nonce (and timestamp) stays valid. */
  nonceTtlSeconds: seconds(1, 3600, 300),
});

/** The settings' zod schema: parsing `{}` gives the defaults. */
export const securitySettingsSchema = z.strictObject({
  authentication: authenticationSchema.prefault({}),
  rateLimit: rateLimitSchema.prefault({}),
  security: securitySchema.prefault({}),
});

/** The runtime security settings, every field present. */
export type SecuritySettings = z.output<typeof securitySettingsSchema>;

/** Any deep subset of the settings: what a patch or the initial settings give. Arrays replace. */
export type SecuritySettingsPatch = {
  readonly [Group in keyof SecuritySettings]?: {
    readonly [Field in keyof SecuritySettings[Group]]?: SecuritySettings[Group][Field] extends readonly unknown[]
      ? readonly string[]
      : SecuritySettings[Group][Field] extends object
        ? Partial<SecuritySettings[Group][Field]>
        : SecuritySettings[Group][Field];
  };
};

const NO_ADDRESSES: readonly string[] = Object.freeze([]);

/** The IP filter rules the settings state, for core's `createIpFilter({ rules: () => … })`. */
export function ipRulesOf(settings: SecuritySettings): {
  block: readonly string[];
  allow: readonly string[] | undefined;
} {
  const { security } = settings;
  return {
    // The same arrays until the settings change, so the filter compiles its lists once per change.
    block: security.enableIpBlacklist ? security.ipBlacklist : NO_ADDRESSES,
    allow: security.enableIpWhitelist ? security.ipWhitelist : undefined,
  };
}
