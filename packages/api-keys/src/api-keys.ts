import { randomBytes } from 'node:crypto';
import { createEventEmitter, parseOptions, systemClock, validationError } from '@rampart/core';
import { createKeyedHasher } from '@rampart/crypto';
import type { ApiKeys } from './api.js';
import { apiKeyConflictError, apiKeyNotFoundError } from './errors.js';
import { FailureThrottle } from './failure-throttle.js';
import { createApiKeyFormat, newKeyId } from './format.js';
import { toInfo } from './info.js';
import { createInputSchema, parseInput, refSchema } from './input.js';
import { LastUsedWriter } from './last-used.js';
import { type ApiKeysOptions, apiKeysOptionsSchema } from './options.js';
import type { ApiKeyRecord, ApiKeyRef } from './store.js';
import type { VerifyApiKeyOptions } from './verified-key.js';
import { createVerifier } from './verifier.js';

const SIGNING_AAD = 'api-key-signing:';

/**
 * Creates the API-key service over a store.
 *
 * @example
 * const apiKeys = createApiKeys({
 *   store: new MemoryApiKeyStore(),
 *   peppers: [{ id: 'p1', key: process.env.API_KEY_PEPPER! }],
 * });
 * const { key } = await apiKeys.create({ ownerId: user.id, name: 'CI', scopes: ['entities:read'] });
 */
export function createApiKeys(options: ApiKeysOptions): ApiKeys {
  const parsed = parseOptions('createApiKeys', apiKeysOptionsSchema, options);
  const { store, keyRing, rotationPeriodMs, defaultGraceMs, maxGraceMs } = parsed;
  const clock = parsed.clock ?? systemClock;
  const format = createApiKeyFormat(options.format);
  const hasher = createKeyedHasher({ keys: options.peppers });
  const emit = createEventEmitter({ source: '@rampart/api-keys', clock, onEvent: parsed.onEvent });
  const throttle =
    parsed.failureThrottle === false
      ? undefined
      : new FailureThrottle(parsed.failureThrottle, clock);
  const lastUsed = new LastUsedWriter(store, parsed.lastUsedFlushMs, () =>
    emit({ type: 'STORE_UNAVAILABLE', severity: 'warning', reason: 'last-used write failed' }),
  );
  const verifyKey = createVerifier({ store, format, hasher, clock, emit, throttle, lastUsed });
  /** A verification as a promise, whether it was answered at once (memory) or had to wait. */
  const verification = (
    key: unknown,
    verifyOptions: VerifyApiKeyOptions | undefined,
    cost: 0 | 1,
  ) => {
    try {
      const result = verifyKey(key, verifyOptions, cost);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const infoOf = (record: ApiKeyRecord) => toInfo(record, format, clock.now());
  const ref = (value: ApiKeyRef) => parseInput(refSchema, value, 'ref');

  function newSigningSecret(id: string): { plain: string; sealed: string } | undefined {
    if (keyRing === undefined) return undefined;
    const bytes = randomBytes(32);
    const sealed = keyRing.seal(bytes, { aad: SIGNING_AAD + id });
    return { plain: bytes.toString('base64url'), sealed };
  }

  const service: ApiKeys = {
    format,

    async create(raw) {
      const input = parseInput(createInputSchema, raw, 'apiKey');
      const now = clock.now();
      const environment = input.environment ?? (format.environments[0] as string);
      if (!format.environments.includes(environment)) {
        throw validationError(
          `apiKey.environment: must be one of ${format.environments.join(', ')}`,
        );
      }
      if (input.expiresAt !== undefined && input.expiresAt <= now) {
        throw validationError('apiKey.expiresAt: must be in the future');
      }
      const id = newKeyId();
      const key = format.generate(environment, id);
      const signing = input.signingSecret === false ? undefined : newSigningSecret(id);
      const record: ApiKeyRecord = {
        id,
        ownerId: input.ownerId,
        name: input.name,
        environment,
        scopes: input.scopes,
        secretHash: hasher.hash(key),
        previousSecretHash: undefined,
        previousValidUntil: undefined,
        signingSecret: signing?.sealed,
        previousSigningSecret: undefined,
        createdAt: now,
        expiresAt: input.expiresAt,
        rotatedAt: undefined,
        rotationDueAt: rotationPeriodMs > 0 ? now + rotationPeriodMs : undefined,
        lastUsedAt: undefined,
        disabled: false,
        revokedAt: undefined,
        metadata: input.metadata,
        rateLimit: input.rateLimit,
      };
      await store.create(record);
      emit({
        type: 'API_KEY_CREATED',
        severity: 'info',
        userId: record.ownerId,
        detail: { keyId: id },
      });
      return Object.freeze({ key, signingSecret: signing?.plain, info: infoOf(record) });
    },

    verify(key, verifyOptions) {
      return verification(key, verifyOptions, 1);
    },

    async authenticate(key, verifyOptions) {
      const result = await verification(key, verifyOptions, 1);
      if (!result.valid) throw result.error;
      return result.key;
    },

    async get(value) {
      const record = await store.get(ref(value));
      return record === undefined ? undefined : infoOf(record);
    },

    async list(ownerId) {
      const { ownerId: owner } = parseInput(refSchema.pick({ ownerId: true }), { ownerId }, 'list');
      return (await store.list(owner)).map(infoOf);
    },

    async rotate(value, rotateOptions = {}) {
      const target = ref(value);
      const graceMs = rotateOptions.graceMs ?? defaultGraceMs;
      if (!Number.isSafeInteger(graceMs) || graceMs < 0 || graceMs > maxGraceMs) {
        throw validationError(`graceMs: must be a whole number of ms from 0 to ${maxGraceMs}`);
      }
      const record = await store.get(target);
      if (record === undefined || record.revokedAt !== undefined) throw apiKeyNotFoundError();
      const now = clock.now();
      const graceUntil = Math.min(now + graceMs, record.expiresAt ?? Number.POSITIVE_INFINITY);
      const grace = graceUntil > now;
      const key = format.generate(record.environment, record.id);
      const signing = record.signingSecret === undefined ? undefined : newSigningSecret(record.id);
      const applied = await store.update(
        target,
        {
          secretHash: hasher.hash(key),
          previousSecretHash: grace ? record.secretHash : null,
          previousValidUntil: grace ? graceUntil : null,
          signingSecret: signing?.sealed ?? null,
          previousSigningSecret: grace ? (record.signingSecret ?? null) : null,
          rotatedAt: now,
          rotationDueAt: rotationPeriodMs > 0 ? now + rotationPeriodMs : null,
        },
        record.secretHash,
      );
      if (!applied) throw apiKeyConflictError();
      emit({
        type: 'API_KEY_ROTATED',
        severity: 'info',
        userId: record.ownerId,
        detail: { keyId: record.id, graceMs: grace ? graceUntil - now : 0 },
      });
      const rotated = await store.get(target);
      return Object.freeze({
        key,
        signingSecret: signing?.plain,
        info: infoOf(rotated ?? record),
        previousKeyValidUntil: grace ? graceUntil : undefined,
      });
    },

    async revoke(value) {
      const target = ref(value);
      const revoked = await store.revoke(target, clock.now());
      if (revoked) {
        emit({
          type: 'API_KEY_REVOKED',
          severity: 'info',
          userId: target.ownerId,
          detail: { keyId: target.id },
        });
      }
      return revoked;
    },

    disable: (value) => store.update(ref(value), { disabled: true }),
    enable: (value) => store.update(ref(value), { disabled: false }),

    async listDueForRotation(withinMs, limit = 1000) {
      if (!Number.isSafeInteger(withinMs) || withinMs < 0) {
        throw validationError('withinMs: must be a whole number of ms from 0');
      }
      const due = await store.listDueForRotation(clock.now() + withinMs, limit);
      for (const record of due) {
        emit({
          type: 'API_KEY_ROTATION_DUE',
          severity: 'info',
          userId: record.ownerId,
          detail: { keyId: record.id, rotationDueAt: record.rotationDueAt ?? 0 },
        });
      }
      return due.map(infoOf);
    },

    async reportCompromised(key) {
      // Counts nothing against the key's limit and no failure against anyone's address.
      const result = await verification(key, undefined, 0);
      const id = result.valid ? result.key.id : result.keyId;
      const ownerId = result.valid ? result.key.ownerId : result.ownerId;
      if (id === undefined || ownerId === undefined) return { revoked: false };
      const revoked = await store.revoke({ id, ownerId }, clock.now());
      if (revoked) {
        emit({
          type: 'API_KEY_COMPROMISED',
          severity: 'critical',
          userId: ownerId,
          reason: 'reported',
          detail: { keyId: id },
        });
      }
      return { revoked };
    },

    async signingSecrets(keyId) {
      if (keyRing === undefined || typeof keyId !== 'string') return undefined;
      const record = await store.find(keyId);
      if (record === undefined || record.signingSecret === undefined) return undefined;
      const now = clock.now();
      if (record.revokedAt !== undefined || record.disabled) return undefined;
      if (record.expiresAt !== undefined && record.expiresAt <= now) return undefined;
      const aad = { aad: SIGNING_AAD + record.id };
      const secrets = [keyRing.open(record.signingSecret, aad)];
      if (record.previousSigningSecret !== undefined && (record.previousValidUntil ?? 0) > now) {
        secrets.push(keyRing.open(record.previousSigningSecret, aad));
      }
      return Object.freeze({ ownerId: record.ownerId, secrets: Object.freeze(secrets) });
    },

    async revokeAllForUser(userId) {
      const count = await store.revokeAllForUser(userId, clock.now());
      if (count > 0) {
        emit({ type: 'API_KEY_REVOKED', severity: 'info', userId, detail: { count } });
      }
    },

    purgeUser: (userId) => store.purgeUser(userId),

    flush: () => lastUsed.flush(),

    async close() {
      throttle?.close();
      await lastUsed.flush();
    },
  };
  return Object.freeze(service);
}
