import type { ApiKeyChange, ApiKeyRecord } from '../store.js';

/** `record` with `change` applied: fields left out stay, `null` clears (see `ApiKeyChange`). */
export function applyChange(record: ApiKeyRecord, change: ApiKeyChange): ApiKeyRecord {
  const next: { -readonly [K in keyof ApiKeyRecord]: ApiKeyRecord[K] } = { ...record };
  if (change.name !== undefined) next.name = change.name;
  if (change.scopes !== undefined) next.scopes = Object.freeze([...change.scopes]);
  if (change.disabled !== undefined) next.disabled = change.disabled;
  if (change.secretHash !== undefined) next.secretHash = change.secretHash;
  if (change.previousSecretHash !== undefined)
    next.previousSecretHash = change.previousSecretHash ?? undefined;
  if (change.previousValidUntil !== undefined)
    next.previousValidUntil = change.previousValidUntil ?? undefined;
  if (change.signingSecret !== undefined) next.signingSecret = change.signingSecret ?? undefined;
  if (change.previousSigningSecret !== undefined)
    next.previousSigningSecret = change.previousSigningSecret ?? undefined;
  if (change.rotatedAt !== undefined) next.rotatedAt = change.rotatedAt;
  if (change.rotationDueAt !== undefined) next.rotationDueAt = change.rotationDueAt ?? undefined;
  return next;
}
