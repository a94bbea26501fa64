import type { ApiKeyFormat } from './format.js';
import type { ApiKeyMetadata, ApiKeyRateLimit, ApiKeyRecord } from './store.js';

/** A key as its owner may see it: everything but the hashes and sealed secrets. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly environment: string;
  /** The start of the key up to and including its id (`rk_live_<id>`), to recognise it by. */
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number | undefined;
  readonly lastUsedAt: number | undefined;
  readonly rotatedAt: number | undefined;
  readonly rotationDueAt: number | undefined;
  /** Until when the key from before the last rotation still works; `undefined` when it does not. */
  readonly previousKeyValidUntil: number | undefined;
  readonly disabled: boolean;
  readonly revokedAt: number | undefined;
  readonly metadata: ApiKeyMetadata | undefined;
  readonly rateLimit: ApiKeyRateLimit | undefined;
  /** The key has a request-signing secret (shown once, at creation or rotation). */
  readonly hasSigningSecret: boolean;
}

/** The owner's view of a stored record; `now` decides whether the previous key still works. */
export function toInfo(record: ApiKeyRecord, format: ApiKeyFormat, now: number): ApiKeyInfo {
  const graceUntil = record.previousValidUntil;
  return Object.freeze({
    id: record.id,
    ownerId: record.ownerId,
    name: record.name,
    environment: record.environment,
    prefix: format.displayPrefix(record.environment, record.id),
    scopes: record.scopes,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    lastUsedAt: record.lastUsedAt,
    rotatedAt: record.rotatedAt,
    rotationDueAt: record.rotationDueAt,
    previousKeyValidUntil:
      record.previousSecretHash !== undefined && graceUntil !== undefined && graceUntil > now
        ? graceUntil
        : undefined,
    disabled: record.disabled,
    revokedAt: record.revokedAt,
    metadata: record.metadata,
    rateLimit: record.rateLimit,
    hasSigningSecret: record.signingSecret !== undefined,
  });
}
