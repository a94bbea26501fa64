import type { KeyObject } from 'node:crypto';
import { CONFIG_ERROR_CODES, RampartConfigError } from '@rampart/core';
import { KEY_ID_PATTERN } from '../shared/fields.js';
import { type HmacSha256Key, importSigningSecret, type SigningSecret } from '../shared/hmac-key.js';

/** What `getSecrets` answers: no secret (unknown key id), one, or several during a rotation. */
export type SigningSecrets = SigningSecret | readonly SigningSecret[] | null | undefined;

/**
 * Resolves the secrets of a key id. Answer every secret currently valid for the key (the new
 * one and the one being retired, during a rotation); `undefined` or `[]` for an unknown key id.
 * May answer synchronously (no promise on the hot path) or with a promise (a database lookup).
 * Returning `KeyObject`s (or using {@link staticSigningSecrets}) imports each secret once.
 */
export type GetSigningSecrets = (keyId: string) => SigningSecrets | Promise<SigningSecrets>;

/** Most secrets tried for one key id: a rotation needs two, a few more cost nothing. */
export const MAX_SECRETS_PER_KEY = 4;

/** Imports what a resolver answered. A bad secret is the server's misconfiguration. */
export function importResolved(keyId: string, answer: SigningSecrets): HmacSha256Key[] {
  if (answer === undefined || answer === null) return [];
  const list = Array.isArray(answer) ? answer : [answer as SigningSecret];
  if (list.length > MAX_SECRETS_PER_KEY) {
    throw new RampartConfigError(
      'getSecrets',
      `returned ${list.length} secrets for one key id; at most ${MAX_SECRETS_PER_KEY} are tried.`,
      CONFIG_ERROR_CODES.outOfRange,
    );
  }
  return list.map((secret) => importSigningSecret(secret, `getSecrets(${keyId})`));
}

/**
 * A `getSecrets` over a fixed map of key id → secret(s), imported once here (so a bad secret
 * throws at start-up) and answered synchronously.
 *
 * @example
 * const getSecrets = staticSigningSecrets({
 *   'client-a': [process.env.CLIENT_A_SECRET_NEW!, process.env.CLIENT_A_SECRET_OLD!],
 * });
 */
export function staticSigningSecrets(
  secrets: Readonly<Record<string, SigningSecret | readonly SigningSecret[]>>,
): GetSigningSecrets {
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
    throw new RampartConfigError(
      'staticSigningSecrets',
      'must be an object of key id → secret(s).',
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  const keys = new Map<string, readonly KeyObject[]>();
  for (const [keyId, value] of Object.entries(secrets)) {
    const option = `staticSigningSecrets(${keyId})`;
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new RampartConfigError(
        option,
        'a key id is 1–128 characters of A–Z a–z 0–9 . _ : ~ -.',
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    // An unset environment variable (`process.env.X!`) reads as undefined: a key id that every
    // request would fail with 401, found only in production.
    const imported = importResolved(keyId, value).map((key) => key.keyObject);
    if (imported.length === 0) {
      throw new RampartConfigError(
        option,
        'has no secret; is its environment variable set?',
        CONFIG_ERROR_CODES.missingOption,
      );
    }
    keys.set(keyId, Object.freeze(imported));
  }
  return function getStaticSigningSecrets(keyId) {
    return keys.get(keyId);
  };
}
