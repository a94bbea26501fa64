import { CONFIG_ERROR_CODES, parseOptions, RampartConfigError } from '@rampart/core';
import type { HelmetOptions } from 'helmet';
import { z } from 'zod';
import type { HeaderField } from './cors.js';
import { unsafeSourceReason } from './csp-sources.js';
import { renderHelmet } from './helmet-render.js';
import {
  type PermissionsPolicy,
  permissionsPolicySchema,
  serializePermissionsPolicy,
} from './permissions-policy.js';
import {
  type CspDirectives,
  DEFAULT_PERMISSIONS_POLICY,
  NONCE_SLOT,
  PRESET_DIRECTIVES,
  type SecurityHeadersPreset,
} from './presets.js';

/** Options of `createSecurityHeaders` and of both adapters. */
export interface SecurityHeadersOptions {
  /**
   * `api` (default): `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` for
   * JSON responses. `page`: a policy for HTML pages with a fresh nonce per response for inline
   * `<script>` and `<style>`, never `'unsafe-inline'` or `'unsafe-eval'`.
   */
  preset?: SecurityHeadersPreset;
  /**
   * CSP directives (kebab-case, `'connect-src'`) added to the preset's or replacing one of them.
   * `'unsafe-inline'`, `'unsafe-eval'`, `'unsafe-hashes'`, a fixed nonce, and `*` or a bare
   * scheme in a script directive are refused at start-up.
   */
  contentSecurityPolicy?: CspDirectives;
  /** HSTS. Default one year with subdomains; `false` only where TLS ends elsewhere and sets it. */
  strictTransportSecurity?:
    | { maxAgeSeconds?: number; includeSubDomains?: boolean; preload?: boolean }
    | false;
  /** Replaces the default Permissions-Policy (every powerful feature off); `false` sends none. */
  permissionsPolicy?: PermissionsPolicy | false;
  /** `Cross-Origin-Resource-Policy`. Default `same-origin` (CORS requests are not affected). */
  crossOriginResourcePolicy?: 'same-origin' | 'same-site' | 'cross-origin';
  /** `Cache-Control` of responses that set none. Default `no-store`; `false` sends none. */
  cacheControl?: string | false;
}

/**
 * The headers of one preset, rendered once at start-up. Adapters apply `fields` to every
 * response and remove `removed`; a `page` set's CSP carries each response's nonce, so it is not
 * in `fields` but built by `policyWithNonce`.
 */
export interface SecurityHeaderSet {
  readonly preset: SecurityHeadersPreset;
  /** Every header with a value fixed at start-up, in the order sent. */
  readonly fields: readonly HeaderField[];
  /**
   * `fields` as a record, for what takes one: core's `problemClientErrors({ headers })`, a
   * Fastify `frameworkErrors` handler's `reply.headers()`.
   */
  readonly record: Readonly<Record<string, string>>;
  /** Headers every response must lose (`X-Powered-By`). */
  readonly removed: readonly string[];
  /** `page`: the `Content-Security-Policy` value for one nonce. `undefined` for `api`. */
  readonly policyWithNonce: ((nonce: string) => string) | undefined;
}

const DIRECTIVE_NAME = /^[a-z]+(?:-[a-z]+)*$/;
const ONE_YEAR_SECONDS = 31_536_000;

const securityHeadersSchema = z.strictObject({
  preset: z.enum(['api', 'page'], { error: "must be 'api' or 'page'." }).default('api'),
  contentSecurityPolicy: z
    .record(
      z.string().regex(DIRECTIVE_NAME, 'must be a kebab-case directive such as "connect-src".'),
      z.array(z.string()).readonly(),
    )
    .default({}),
  strictTransportSecurity: z
    .union([
      z.literal(false),
      z.strictObject({
        maxAgeSeconds: z.number().int().min(0).default(ONE_YEAR_SECONDS),
        includeSubDomains: z.boolean().default(true),
        preload: z.boolean().default(false),
      }),
    ])
    .default({ maxAgeSeconds: ONE_YEAR_SECONDS, includeSubDomains: true, preload: false }),
  permissionsPolicy: z
    .union([z.literal(false), permissionsPolicySchema])
    .default(DEFAULT_PERMISSIONS_POLICY),
  crossOriginResourcePolicy: z
    .enum(['same-origin', 'same-site', 'cross-origin'])
    .default('same-origin'),
  cacheControl: z
    .union([z.literal(false), z.string().regex(/^[\t\x20-\x7e]+$/, 'must be a header value.')])
    .default('no-store'),
});

type ParsedOptions = z.output<typeof securityHeadersSchema>;

function assertSafeDirectives(owner: string, directives: CspDirectives): void {
  for (const [directive, sources] of Object.entries(directives)) {
    for (const source of sources) {
      const reason = unsafeSourceReason(directive, source);
      if (reason !== undefined) {
        throw new RampartConfigError(
          `${owner}.contentSecurityPolicy.${directive}`,
          reason,
          CONFIG_ERROR_CODES.invalidValue,
        );
      }
    }
  }
}

/** The helmet options of a preset: the headers helmet knows, tuned as the presets say. */
function helmetOptions(options: ParsedOptions): HelmetOptions {
  const hsts = options.strictTransportSecurity;
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...PRESET_DIRECTIVES[options.preset], ...options.contentSecurityPolicy },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: options.crossOriginResourcePolicy },
    originAgentCluster: true,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity:
      hsts === false
        ? false
        : {
            maxAge: hsts.maxAgeSeconds,
            includeSubDomains: hsts.includeSubDomains,
            preload: hsts.preload,
          },
    xContentTypeOptions: true,
    xDnsPrefetchControl: { allow: false },
    xDownloadOptions: true,
    // Browsers without frame-ancestors still honour this.
    xFrameOptions: { action: 'deny' },
    xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
    xPoweredBy: true,
    // The legacy XSS auditor is gone from browsers and could be abused to blank out pages; an
    // API sends nothing rather than helmet's `0`.
    xXssProtection: false,
  };
}

/** Helmet joins directives with `;`; the policy is sent as browsers and the docs show it. */
function spacedPolicy(value: string): string {
  return value.split(';').join('; ');
}

/**
 * Renders a preset's security headers once: helmet (given the preset's options) validates and
 * writes them, then Permissions-Policy and Cache-Control are added. Misconfiguration throws here
 * with the option's name; nothing is computed per request except a `page` response's nonce.
 *
 * @example
 * const api = createSecurityHeaders(); // preset 'api'
 * problemClientErrors({ headers: api.record });
 */
export function createSecurityHeaders(
  options: SecurityHeadersOptions = {},
  owner = 'createSecurityHeaders',
): SecurityHeaderSet {
  const parsed = parseOptions(owner, securityHeadersSchema, options);
  assertSafeDirectives(owner, parsed.contentSecurityPolicy);
  let rendered: ReturnType<typeof renderHelmet>;
  try {
    rendered = renderHelmet(helmetOptions(parsed));
  } catch (error) {
    throw new RampartConfigError(
      `${owner}.contentSecurityPolicy`,
      `helmet refused the policy: ${(error as Error).message}`,
      CONFIG_ERROR_CODES.invalidValue,
    );
  }
  const fields: HeaderField[] = [];
  let policyWithNonce: ((nonce: string) => string) | undefined;
  for (const [name, value] of rendered.set) {
    if (name !== 'Content-Security-Policy') fields.push([name, value]);
    else if (parsed.preset === 'api') fields.push([name, spacedPolicy(value)]);
    else {
      const parts = spacedPolicy(value).split(NONCE_SLOT);
      policyWithNonce = (nonce) => parts.join(nonce);
    }
  }
  if (parsed.permissionsPolicy !== false) {
    fields.push(['Permissions-Policy', serializePermissionsPolicy(parsed.permissionsPolicy)]);
  }
  if (parsed.cacheControl !== false) fields.push(['Cache-Control', parsed.cacheControl]);
  return Object.freeze({
    preset: parsed.preset,
    fields: Object.freeze(fields),
    record: Object.freeze(Object.fromEntries(fields)),
    removed: Object.freeze([...rendered.removed]),
    policyWithNonce,
  });
}
