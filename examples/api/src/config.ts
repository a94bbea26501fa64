import { createClientIpResolver, RampartConfigError } from '@rampart/core';
import { type ApiKeyConfig, parseApiKeyConfig } from './api-keys/api-key-config.js';
import { type AuditConfig, parseAuditConfig } from './audit/audit-config.js';
import { type ArgSpec, argValue, oneOf, quote, readArgs } from './cli-args.js';
import { ConfigError, HelpRequested } from './config-error.js';
import { parseCorsOrigins } from './headers/security-layers.js';
import {
  DEFAULT_REDIS_CLUSTER_NODES,
  isHost,
  parseRedisClusterNodes,
  type RedisNode,
} from './host-config.js';
import { type MfaConfig, parseMfaConfig } from './mfa/mfa-config.js';
import { type OAuthConfig, parseOAuthConfig } from './oauth/oauth-config.js';
import { generateKeyId, generatePassword, generateSecret, parseSecret } from './secrets.js';
import { parseSessionConfig, type SessionConfig } from './sessions/session-config.js';

export const FRAMEWORKS = ['fastify', 'express'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** The stores of EXAMPLE-API.md: what `/health` answers and what the route tests run on. */
export const STORE_KINDS = ['memory', 'redis', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];
/** `--store`: a store kind, or `redis-cluster`, the Redis stores on a Redis Cluster. */
export const STORE_CHOICES = [...STORE_KINDS, 'redis-cluster'] as const;

/** A value from the environment, or one the app made up because it was unset. */
export interface Provided<T> {
  readonly value: T;
  /** True when the app generated the value; only generated secrets are ever printed. */
  readonly generated: boolean;
}

/** Everything the app is told at start-up, validated. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly framework: Framework;
  readonly store: StoreKind;
  readonly fresh: boolean;
  readonly redisUrl: string;
  /**
   * Set by `--store redis-cluster` (`store` is then `redis`): the seed nodes from
   * `REDIS_CLUSTER_NODES`, and `REDIS_URL` is not used.
   */
  readonly redisCluster: readonly RedisNode[] | undefined;
  readonly databaseUrl: string;
  /** Prefix of every Redis key the app writes; `--fresh` deletes exactly these. */
  readonly redisKeyPrefix: string;
  /** Postgres schema holding the app's tables. */
  readonly databaseSchema: string;
  readonly trustedProxies: readonly string[];
  /** CORS_ORIGINS: the exact origins whose pages may call the API with credentials. */
  readonly corsOrigins: readonly string[];
  /** Registrations per client IP and hour (EXAMPLE-API.md), counted before the 409 of a taken email. */
  readonly registerLimitPerHour: number;
  readonly admin: { readonly email: string; readonly password: Provided<string> };
  readonly jwt: {
    readonly secret: Provided<string>;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly signing: { readonly keyId: Provided<string>; readonly secret: Provided<string> };
  /** `MFA_ISSUER` and `ENCRYPTION_KEYS` (the key ring sealing TOTP secrets). */
  readonly mfa: MfaConfig;
  /** `SESSION_*`, `MAX_SESSIONS_PER_USER`, and the origins CSRF trusts (`PUBLIC_URL`, `CORS_ORIGINS`). */
  readonly sessions: SessionConfig;
  /** `AUDIT_HMAC_KEY`, `LOCKDOWN_SECONDS`, `ALERT_WEBHOOK_URL` / `_SECRET`, `AUDIT_LOG_FILE`, `AUDIT_MEMORY_RECORDS`. */
  readonly audit: AuditConfig;
  /** `OAUTH_*` providers and `PUBLIC_URL` for their redirect URIs. */
  readonly oauth: OAuthConfig;
  /** `API_KEY_PEPPER`: the key of the API keys' stored hashes. */
  readonly apiKeys: ApiKeyConfig;
}

/** What `--help` prints. */
export const USAGE = `Usage: pnpm example [options]

Options:
  --port N                       port to listen on, 0 picks a free one (env PORT, default 3000)
  --host H                       address to bind (default 127.0.0.1)
  --framework fastify|express    default fastify
  --store memory|redis|postgres|redis-cluster
                                 default memory; redis-cluster: the Redis stores on a Redis
                                 Cluster seeded by REDIS_CLUSTER_NODES
  --fresh                        clear the app's Redis keys / Postgres tables first
  --help                         print this and exit

Environment: PORT, REDIS_URL, REDIS_CLUSTER_NODES, DATABASE_URL, TRUSTED_PROXIES, ADMIN_EMAIL, ADMIN_PASSWORD,
JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE, SIGNING_KEY_ID, SIGNING_SECRET, ENCRYPTION_KEYS, MFA_ISSUER,
CORS_ORIGINS, PUBLIC_URL, SESSION_IDLE_SECONDS, SESSION_ABSOLUTE_SECONDS, SESSION_TOUCH_SECONDS,
MAX_SESSIONS_PER_USER, AUDIT_HMAC_KEY, LOCKDOWN_SECONDS, ALERT_WEBHOOK_URL,
ALERT_WEBHOOK_SECRET, AUDIT_LOG_FILE, AUDIT_MEMORY_RECORDS, API_KEY_PEPPER, RAMPART_KEY_PREFIX,
DATABASE_SCHEMA, REGISTER_LIMIT_PER_HOUR, OAUTH_OIDC_ISSUER, OAUTH_OIDC_CLIENT_ID,
OAUTH_OIDC_CLIENT_SECRET, OAUTH_GITHUB_CLIENT_ID, OAUTH_GITHUB_CLIENT_SECRET,
OAUTH_GOOGLE_CLIENT_ID, OAUTH_GOOGLE_CLIENT_SECRET (see examples/api/README.md).`;

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_KEY_PREFIX = 'rampart-example:';
export const DEFAULT_DATABASE_SCHEMA = 'rampart_example';
export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';
/** The seed's: 3 registrations per client IP and hour. */
export const DEFAULT_REGISTER_LIMIT_PER_HOUR = 3;
const MAX_REGISTER_LIMIT_PER_HOUR = 100_000;
const SIGNING_SECRET_MAX_BYTES = 64;

const ARGS: ArgSpec = {
  values: new Set(['--port', '--host', '--framework', '--store']),
  flags: new Set(['--fresh', '--help']),
};

const PORT_PATTERN = /^(?:0|[1-9][0-9]{0,4})$/;

function parsePort(option: string, text: string): number {
  // The pattern comes first: Number() would take "", " 80", "0x50" and "1e3".
  if (!PORT_PATTERN.test(text))
    throw new ConfigError(option, `must be a whole number from 0 to 65535, got ${quote(text)}`);
  const port = Number(text);
  if (port > 65535)
    throw new ConfigError(option, `must be a whole number from 0 to 65535, got ${quote(text)}`);
  return port;
}

const COUNT_PATTERN = /^[1-9][0-9]{0,5}$/;

/** A whole number from 1 to `max`, written plainly (no sign, spaces, exponent or leading zero). */
function parseCount(option: string, text: string, max: number): number {
  // The pattern comes first, as for the port: Number() would take " 3", "0x3" and "3e0".
  if (!COUNT_PATTERN.test(text) || Number(text) > max)
    throw new ConfigError(option, `must be a whole number from 1 to ${max}, got ${quote(text)}`);
  return Number(text);
}

function parseHost(text: string): string {
  if (isHost(text)) return text;
  throw new ConfigError('--host', `must be an IP address or a host name, got ${quote(text)}`);
}

function parseUrl(option: string, text: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never echo the value: a connection string may hold a password.
    throw new ConfigError(option, 'is not a valid URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(option, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return text;
}

/**
 * Comma-separated CIDR ranges, addresses or presets (`loopback` …); unset or empty trusts no
 * proxy. Checked by core's resolver itself, so the app accepts exactly what it will use.
 */
export function parseTrustedProxies(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  const entries = text.split(',').map((entry) => entry.trim());
  try {
    createClientIpResolver({ trustedProxies: entries });
  } catch (error) {
    if (!(error instanceof RampartConfigError)) throw error;
    // `trustedProxies[1]: "x" is not …` → `TRUSTED_PROXIES: entry 2, "x" is not …`
    const message = error.message.replace(
      /^trustedProxies\[(\d+)\]: /,
      (_, index: string) => `entry ${Number(index) + 1}, `,
    );
    throw new ConfigError('TRUSTED_PROXIES', message);
  }
  return entries;
}

export const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// Printable ASCII without spaces: these end up in JWT claims and log lines.
const CLAIM_PATTERN = /^[\x21-\x7e]{1,256}$/;
const KEY_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
// No glob characters: the prefix goes into `SCAN MATCH <prefix>*` for `--fresh`.
const KEY_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

function matching(option: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new ConfigError(option, `must be ${what}`);
  return value;
}

type Env = Readonly<Record<string, string | undefined>>;

/** An env var, with `""` meaning unset (what `FOO= pnpm example` gives). */
function env(vars: Env, name: string): string | undefined {
  const value = vars[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses the command line and the environment into the app's configuration. Throws
 * `ConfigError` naming the first bad option, or `HelpRequested`.
 */
export function parseConfig(argv: readonly string[], vars: Env): AppConfig {
  const args = readArgs(argv, ARGS);
  if (args.has('--help')) throw new HelpRequested('help requested');
  const arg = (name: string) => argValue(args, name);

  const portArg = arg('--port');
  const portEnv = env(vars, 'PORT');
  const port =
    portArg !== undefined
      ? parsePort('--port', portArg)
      : portEnv !== undefined
        ? parsePort('PORT', portEnv)
        : DEFAULT_PORT;

  const adminPassword = env(vars, 'ADMIN_PASSWORD');
  if (adminPassword !== undefined && (adminPassword.length < 12 || adminPassword.length > 128)) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be 12 to 128 characters');
  }
  const claim = (name: string, fallback: string) =>
    matching(
      name,
      env(vars, name) ?? fallback,
      CLAIM_PATTERN,
      '1 to 256 printable ASCII characters without spaces',
    );
  const secret = (name: string, maxBytes?: number) =>
    orGenerated(env(vars, name), (text) => parseSecret(name, text, maxBytes), generateSecret);

  const store = oneOf('--store', STORE_CHOICES, arg('--store') ?? 'memory');

  return {
    port,
    host: parseHost(arg('--host') ?? DEFAULT_HOST),
    framework: oneOf('--framework', FRAMEWORKS, arg('--framework') ?? 'fastify'),
    store: store === 'redis-cluster' ? 'redis' : store,
    fresh: args.has('--fresh'),
    redisUrl: parseUrl('REDIS_URL', env(vars, 'REDIS_URL') ?? DEFAULT_REDIS_URL, [
      'redis:',
      'rediss:',
    ]),
    // Read only when chosen: a REDIS_CLUSTER_NODES exported for the tests' cluster leaves
    // `--store redis` on REDIS_URL.
    redisCluster:
      store === 'redis-cluster'
        ? parseRedisClusterNodes(env(vars, 'REDIS_CLUSTER_NODES') ?? DEFAULT_REDIS_CLUSTER_NODES)
        : undefined,
    databaseUrl: parseUrl('DATABASE_URL', env(vars, 'DATABASE_URL') ?? DEFAULT_DATABASE_URL, [
      'postgres:',
      'postgresql:',
    ]),
    redisKeyPrefix: matching(
      'RAMPART_KEY_PREFIX',
      env(vars, 'RAMPART_KEY_PREFIX') ?? DEFAULT_KEY_PREFIX,
      KEY_PREFIX_PATTERN,
      '1 to 64 of A-Z a-z 0-9 : . _ - (no glob characters)',
    ),
    databaseSchema: matching(
      'DATABASE_SCHEMA',
      env(vars, 'DATABASE_SCHEMA') ?? DEFAULT_DATABASE_SCHEMA,
      SCHEMA_PATTERN,
      'a lower-case Postgres identifier (a-z, 0-9, _; at most 63 characters)',
    ),
    trustedProxies: parseTrustedProxies(env(vars, 'TRUSTED_PROXIES')),
    corsOrigins: parseCorsOrigins(env(vars, 'CORS_ORIGINS')),
    registerLimitPerHour: parseCount(
      'REGISTER_LIMIT_PER_HOUR',
      env(vars, 'REGISTER_LIMIT_PER_HOUR') ?? String(DEFAULT_REGISTER_LIMIT_PER_HOUR),
      MAX_REGISTER_LIMIT_PER_HOUR,
    ),
    admin: {
      email: matching(
        'ADMIN_EMAIL',
        env(vars, 'ADMIN_EMAIL') ?? DEFAULT_ADMIN_EMAIL,
        EMAIL_PATTERN,
        'an email address',
      ),
      password: orGenerated(adminPassword, (text) => text, generatePassword),
    },
    jwt: {
      secret: secret('JWT_SECRET'),
      issuer: claim('JWT_ISSUER', 'rampart-example'),
      audience: claim('JWT_AUDIENCE', 'rampart-example-api'),
    },
    signing: {
      keyId: orGenerated(
        env(vars, 'SIGNING_KEY_ID'),
        (text) =>
          matching('SIGNING_KEY_ID', text, KEY_ID_PATTERN, '1 to 128 of A-Z a-z 0-9 . _ ~ -'),
        generateKeyId,
      ),
      // @rampart/request-signing takes 32 to 64 bytes: longer adds nothing to HMAC-SHA256.
      secret: secret('SIGNING_SECRET', SIGNING_SECRET_MAX_BYTES),
    },
    mfa: parseMfaConfig((name) => env(vars, name)),
    sessions: parseSessionConfig((name) => env(vars, name)),
    audit: parseAuditConfig((name) => env(vars, name)),
    oauth: parseOAuthConfig((name) => env(vars, name)),
    apiKeys: parseApiKeyConfig((name) => env(vars, name)),
  };
}

/** The configured value, checked by `parse`, or a generated one (marked so it gets printed). */
function orGenerated(
  text: string | undefined,
  parse: (text: string) => string,
  generate: () => string,
): Provided<string> {
  return text === undefined
    ? { value: generate(), generated: true }
    : { value: parse(text), generated: false };
}
