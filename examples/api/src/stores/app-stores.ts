import type { ApiKeyStore } from '@rampart/api-keys';
import type { NonceStore, SettingsStore } from '@rampart/core';
import type { IdempotencyStore } from '@rampart/idempotency';
import type { JwtNonceStore } from '@rampart/jwt-nonce';
import type { MfaStore } from '@rampart/mfa';
import type { OAuthLinkStore } from '@rampart/oauth';
import type { RateLimitStore } from '@rampart/rate-limit';
import type { AuditStores } from '../audit/audit-stores.js';
import type { AppConfig, StoreKind } from '../config.js';
import type { RecordStore } from '../entities/record-store.js';
import type { SessionStores } from '../sessions/session-stores.js';
import type { UserStore } from '../users/user-store.js';

/**
 * The state the app keeps, on one backend. Later issues add a field per package (rate limits,
 * sessions, API keys …), each built on the same connection.
 */
export interface AppStores {
  readonly kind: StoreKind;
  /** Nonces of signed requests (`@rampart/request-signing`). */
  readonly nonces: NonceStore;
  /** Issued, spent and revoked token ids (`@rampart/jwt-nonce`). */
  readonly tokens: JwtNonceStore;
  /** Counters of the login and entities limits (`@rampart/rate-limit`). */
  readonly rateLimits: RateLimitStore;
  /** The app's users. */
  readonly users: UserStore;
  /** Records of `/api/v1/entities/:entityId/records`. */
  readonly records: RecordStore;
  /** API keys (`@rampart/api-keys`). */
  readonly apiKeys: ApiKeyStore;
  /** Idempotency-Key records and kept responses (`@rampart/idempotency`). */
  readonly idempotency: IdempotencyStore;
  /** TOTP secrets (sealed), replay guard, recovery-code hashes, lock, challenges (`@rampart/mfa`). */
  readonly mfa: MfaStore;
  /** Sessions and trusted devices (`@rampart/sessions`). */
  readonly sessions: SessionStores;
  /** The audit trail's records and the account locks (`@rampart/audit`). */
  readonly audit: AuditStores;
  /** `(provider, subject)` → user links of the OAuth sign-in (`@rampart/oauth`). */
  readonly oauthLinks: OAuthLinkStore;
  /** The runtime security settings (`GET/PATCH /api/v1/admin/security/settings`). */
  readonly settings: SettingsStore;
  /** Resolves when the backend answers; rejects with `StoreUnavailableError` otherwise. */
  ping(): Promise<void>;
  /** Closes the connection; the stores are unusable afterwards. */
  close(): Promise<void>;
}

/** How long a health ping may take before the store counts as down. */
export const PING_TIMEOUT_MS = 1000;

/**
 * Connects to the configured backend, runs its migrations and, with `--fresh`, clears what an
 * earlier run left. Throws `ConfigError` naming `REDIS_URL` / `DATABASE_URL` when the backend
 * cannot be reached, so start-up fails with one clear line. Only the chosen backend's driver is
 * loaded.
 */
export async function openStores(config: AppConfig): Promise<AppStores> {
  // Imported on demand: a memory run never loads ioredis, pg or Kysely.
  switch (config.store) {
    case 'memory':
      return (await import('./memory.js')).openMemoryStores(config);
    case 'redis':
      return (await import('./redis.js')).openRedisStores(config);
    case 'postgres':
      return (await import('./postgres.js')).openPostgresStores(config);
  }
}

/** Rejects after `ms` unless `promise` settles first; the timer never holds the process open. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/** The message of an unknown error, for start-up failures. */
export function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
