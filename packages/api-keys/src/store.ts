import type { UserDataPurger } from '@rampart/core';

/** A key's own rate limit: at most `limit` requests per fixed window of `windowMs`. */
export interface ApiKeyRateLimit {
  /** Requests per window, 1 to 1e9. */
  readonly limit: number;
  /** The window in milliseconds, a whole number of seconds (1 s to 366 days). */
  readonly windowMs: number;
}

/** Metadata a key carries for the application: flat, small, never a secret. */
export type ApiKeyMetadata = Readonly<Record<string, string | number | boolean>>;

/**
 * Everything a store keeps about one key. Times are epoch milliseconds. The secret is held only
 * as crypto's keyed hash (`h1.<pepperId>.<mac>`), the signing secret only sealed with the key
 * ring; neither can be read back as the key.
 */
export interface ApiKeyRecord {
  /** 16 base62 characters, part of the key itself; not a secret. */
  readonly id: string;
  /** The user the key authenticates as. */
  readonly ownerId: string;
  readonly name: string;
  /** The environment the key names (`live`, `test`). */
  readonly environment: string;
  /** Permission patterns (`entities:read`, `entities:*`, `*`): what the key may do. */
  readonly scopes: readonly string[];
  /** Keyed hash of the current secret. */
  readonly secretHash: string;
  /** Keyed hash of the secret before the last rotation, valid until `previousValidUntil`. */
  readonly previousSecretHash: string | undefined;
  readonly previousValidUntil: number | undefined;
  /** The request-signing secret, sealed (AAD bound to the key id); `undefined` when none. */
  readonly signingSecret: string | undefined;
  /** The signing secret before the last rotation, sealed; valid while the previous key is. */
  readonly previousSigningSecret: string | undefined;
  readonly createdAt: number;
  /** When the key stops working; `undefined` for never. */
  readonly expiresAt: number | undefined;
  readonly rotatedAt: number | undefined;
  /** When the key should be rotated (a reminder; it keeps working). */
  readonly rotationDueAt: number | undefined;
  /** When the key last authenticated a request, written behind (at most a minute late). */
  readonly lastUsedAt: number | undefined;
  readonly disabled: boolean;
  /** When the key was revoked; a revoked key never verifies again. */
  readonly revokedAt: number | undefined;
  readonly metadata: ApiKeyMetadata | undefined;
  readonly rateLimit: ApiKeyRateLimit | undefined;
}

/** Which key, and whose: a management call names both and matches nothing else. */
export interface ApiKeyRef {
  readonly id: string;
  readonly ownerId: string;
}

/** One verification as a store receives it. */
export interface ApiKeyCheck {
  readonly id: string;
  /**
   * The presented secret's keyed hash under every configured pepper, current first: the record
   * matches when its stored hash (current, or previous within its grace) equals one of them.
   */
  readonly secretHashes: readonly string[];
  /** Epoch ms of the service's clock: expiry, grace and the rate-limit window are decided on it. */
  readonly now: number;
  /** Requests to count against the key's rate limit: 1 for a request, 0 to verify only. */
  readonly cost: 0 | 1;
}

/**
 * What a verification found, decided in this order: `unknown` (no such id), `mismatch` (the
 * secret is neither the current one nor the previous one within its grace), `revoked`,
 * `expired`, `disabled`, `limited` (the key's rate limit refused; nothing counted), `valid`
 * (counted when the key has a limit).
 */
export type ApiKeyOutcome =
  | 'unknown'
  | 'mismatch'
  | 'revoked'
  | 'expired'
  | 'disabled'
  | 'limited'
  | 'valid';

/** The key's rate-limit counter after a check (fixed window). */
export interface ApiKeyRateLimitOutcome {
  readonly limit: number;
  readonly windowMs: number;
  /** Requests left in the window after this one. */
  readonly remaining: number;
  /** Milliseconds until the window ends. */
  readonly resetMs: number;
  /** Milliseconds until a request could pass; 0 when this one passed. */
  readonly retryAfterMs: number;
}

/** A store's answer to {@link ApiKeyStore.verify}, read in one round trip. */
export interface ApiKeyLookup {
  readonly outcome: ApiKeyOutcome;
  /**
   * The stored hash the presented secret matched (from `revoked` on), for the service's one
   * constant-time check; `undefined` for `unknown` and `mismatch`.
   */
  readonly matchedHash: string | undefined;
  /** The key's owner, from `revoked` on. */
  readonly ownerId: string | undefined;
  /** The key's scopes, from `revoked` on. */
  readonly scopes: readonly string[] | undefined;
  readonly expiresAt: number | undefined;
  readonly lastUsedAt: number | undefined;
  readonly rotationDueAt: number | undefined;
  /** The secret matched the previous one, inside its grace period. */
  readonly matchedPrevious: boolean;
  /** The key's counter, for `limited` and for a `valid` key with a limit. */
  readonly rateLimit: ApiKeyRateLimitOutcome | undefined;
}

/**
 * A change to a key's stored fields. A field left out stays as it is; `null` clears it. The
 * id, owner, environment and creation time never change.
 */
export interface ApiKeyChange {
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly disabled?: boolean;
  readonly secretHash?: string;
  readonly previousSecretHash?: string | null;
  readonly previousValidUntil?: number | null;
  readonly signingSecret?: string | null;
  readonly previousSigningSecret?: string | null;
  readonly rotatedAt?: number;
  readonly rotationDueAt?: number | null;
}

/**
 * Where keys live. `verify` is the hot path: one atomic operation (one synchronous step in
 * memory, one Lua script on Redis, one statement on Postgres) that finds the key by id, matches
 * the secret's hash, checks revocation, expiry and the disabled flag, and counts the key's rate
 * limit only when all of that passed: exactly the allowed number of concurrent requests pass.
 * Management methods match the id *and* the owner; a key presented under another owner is
 * unknown. Methods reject with `StoreUnavailableError` when the backend cannot answer in time and
 * `StoreFullError` when a bounded store is full.
 *
 * Run `describeApiKeyStoreConformance` from `@rampart/api-keys/testing` on your own store.
 */
export interface ApiKeyStore extends UserDataPurger {
  /** Names the store in errors and events, e.g. `redis-api-key-store`. */
  readonly name: string;
  /** Stores a new key. Rejects when the id exists (ids are random: a duplicate is a bug). */
  create(record: ApiKeyRecord): Promise<void>;
  /** See {@link ApiKeyLookup}. Writes nothing but the rate-limit counter. */
  verify(check: ApiKeyCheck): Promise<ApiKeyLookup>;
  /**
   * The key by its id alone, revoked or not: for the paths that hold nothing else, such as a
   * signed request naming the key as its key id (the caller then checks the owner).
   */
  find(id: string): Promise<ApiKeyRecord | undefined>;
  /** The key, revoked or not, when `ref` names it and its owner; else `undefined`. */
  get(ref: ApiKeyRef): Promise<ApiKeyRecord | undefined>;
  /** The owner's keys that are not revoked, oldest first. */
  list(ownerId: string): Promise<readonly ApiKeyRecord[]>;
  /**
   * Applies `change` to a key that is not revoked, atomically; with `ifSecretHash`, only while
   * the current hash is still that one (a rotation racing another). True when applied.
   */
  update(ref: ApiKeyRef, change: ApiKeyChange, ifSecretHash?: string): Promise<boolean>;
  /** Revokes the key at `at`; true when it was not revoked before. Every process refuses it at once. */
  revoke(ref: ApiKeyRef, at: number): Promise<boolean>;
  /** Revokes every key of the owner; resolves the number revoked. */
  revokeAllForUser(ownerId: string, at: number): Promise<number>;
  /** Moves the key's `lastUsedAt` forward to `at` (never back). Unknown ids are ignored. */
  touch(id: string, at: number): Promise<void>;
  /** Keys not revoked whose `rotationDueAt` is at or before `dueBy`, soonest first, at most `limit`. */
  listDueForRotation(dueBy: number, limit: number): Promise<readonly ApiKeyRecord[]>;
  /** Forgets every key of the owner, revoked or not, with its counters. */
  purgeUser(ownerId: string): Promise<void>;
}

/** Most scopes a key carries; each is at most 129 characters (core's permission grammar). */
export const MAX_SCOPES = 64;
/** Longest key name, in characters. */
export const MAX_KEY_NAME_LENGTH = 128;
/** Longest owner id, in characters. */
export const MAX_OWNER_ID_LENGTH = 256;
