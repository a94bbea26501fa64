import type { UserCredentialRevoker, UserDataPurger } from '@rampart/core';
import type { ApiKeyFormat } from './format.js';
import type { ApiKeyInfo } from './info.js';
import type { ApiKeyMetadata, ApiKeyRateLimit, ApiKeyRef } from './store.js';
import type { ApiKeyVerification, VerifiedApiKey, VerifyApiKeyOptions } from './verified-key.js';

/** What `create` takes. Validated: bad input is a 400 `ERR_VALIDATION` naming the field. */
export interface CreateApiKeyInput {
  ownerId: string;
  /** 1 to 128 printable characters. */
  name: string;
  /** 1 to 64 permission patterns (`entities:read`, `entities:*`, `*`). */
  scopes: readonly string[];
  /** Epoch ms after which the key stops working; default never. */
  expiresAt?: number;
  /** One of the format's environments; default the first (`live`). */
  environment?: string;
  metadata?: ApiKeyMetadata;
  /** The key's own rate limit, counted on every request it authenticates. */
  rateLimit?: ApiKeyRateLimit;
  /** Give the key a request-signing secret; default `true` when a `keyRing` is configured. */
  signingSecret?: boolean;
}

/** A new key: `key` and `signingSecret` exist only here, shown once. */
export interface CreatedApiKey {
  readonly key: string;
  /** 32 random bytes as base64url, for `signRequest` of `@rampart/request-signing`. */
  readonly signingSecret: string | undefined;
  readonly info: ApiKeyInfo;
}

/** A rotated key: the new key and signing secret, shown once. */
export interface RotatedApiKey extends CreatedApiKey {
  /** Until when the old key and its signing secret keep working; `undefined` for no grace. */
  readonly previousKeyValidUntil: number | undefined;
}

/** The signing secrets of a key, for request-signing's `getSecrets`: current first. */
export interface ApiKeySigningSecrets {
  readonly ownerId: string;
  readonly secrets: readonly Uint8Array[];
}

/** The API-key service `createApiKeys` returns. */
export interface ApiKeys extends UserDataPurger, UserCredentialRevoker {
  readonly format: ApiKeyFormat;
  /** Creates a key for `input.ownerId`. */
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /**
   * Verifies a key as a request presents it (counts one request against its rate limit). Never
   * throws for bad input; rejects only with `StoreUnavailableError` (503).
   */
  verify(key: unknown, options?: VerifyApiKeyOptions): Promise<ApiKeyVerification>;
  /** {@link ApiKeys.verify}, throwing the refusal's `RampartError`. */
  authenticate(key: unknown, options?: VerifyApiKeyOptions): Promise<VerifiedApiKey>;
  get(ref: ApiKeyRef): Promise<ApiKeyInfo | undefined>;
  /** The owner's keys that are not revoked, oldest first. */
  list(ownerId: string): Promise<readonly ApiKeyInfo[]>;
  /**
   * Replaces the key's secret (and signing secret); the old ones keep working for `graceMs`
   * (default `defaultGraceMs`, at most `maxGraceMs`, never past the key's expiry). 404 when the
   * caller has no such key, 409 when another rotation won.
   */
  rotate(ref: ApiKeyRef, options?: { graceMs?: number }): Promise<RotatedApiKey>;
  /** Revokes the key; every process refuses it from the moment this resolves. False if none. */
  revoke(ref: ApiKeyRef): Promise<boolean>;
  disable(ref: ApiKeyRef): Promise<boolean>;
  enable(ref: ApiKeyRef): Promise<boolean>;
  /**
   * Keys due for rotation within `withinMs` (overdue ones included), soonest first; emits one
   * `API_KEY_ROTATION_DUE` event per key. For a scheduled job.
   */
  listDueForRotation(withinMs: number, limit?: number): Promise<readonly ApiKeyInfo[]>;
  /**
   * A leaked key reported (by a secret scanner, by anyone): when it is a real key it is revoked
   * at once and a critical `API_KEY_COMPROMISED` event names its owner. Resolves the same
   * answer's shape whether or not the key existed; the caller should answer alike too.
   */
  reportCompromised(key: unknown): Promise<{ revoked: boolean }>;
  /** The key's signing secrets (the previous one too, inside its grace); `undefined` if none. */
  signingSecrets(keyId: string): Promise<ApiKeySigningSecrets | undefined>;
  /** Writes pending `lastUsedAt` updates now. */
  flush(): Promise<void>;
  /** Flushes and stops the timers. The store is the caller's to close. */
  close(): Promise<void>;
}
