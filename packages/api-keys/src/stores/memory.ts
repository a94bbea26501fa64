import { defineSyncTwin, parseOptions, StoreFullError } from '@rampart/core';
import type { ResolvedPolicy } from '@rampart/rate-limit/store';
import { z } from 'zod';
import { checkKeyLimit, type KeyCounter, keyPolicy, newKeyCounter } from '../key-policy.js';
import type {
  ApiKeyChange,
  ApiKeyCheck,
  ApiKeyLookup,
  ApiKeyOutcome,
  ApiKeyRecord,
  ApiKeyRef,
  ApiKeyStore,
} from '../store.js';
import { applyChange } from './apply-change.js';

/** Options of {@link MemoryApiKeyStore}. */
export interface MemoryApiKeyStoreOptions {
  /**
   * Most keys held, revoked ones included (a revoked key is kept so it stays refused until
   * `purgeUser`). A `create` beyond it rejects with `StoreFullError`. Default 100 000.
   */
  maxEntries?: number;
}

const optionsSchema = z.strictObject({
  maxEntries: z.number().int().min(1).default(100_000),
});

const STORE = 'memory-api-key-store';

interface HeldKey {
  record: ApiKeyRecord;
  /** The key's rate limit as a rate-limit policy, resolved once (a key's limit never changes). */
  readonly policy: ResolvedPolicy | undefined;
  /** The rate-limit counter, counted in place. */
  readonly counter: KeyCounter;
}

const NOT_MATCHED = (outcome: ApiKeyOutcome): ApiKeyLookup =>
  Object.freeze({
    outcome,
    matchedHash: undefined,
    ownerId: undefined,
    scopes: undefined,
    expiresAt: undefined,
    lastUsedAt: undefined,
    rotationDueAt: undefined,
    matchedPrevious: false,
    rateLimit: undefined,
  });
const UNKNOWN = NOT_MATCHED('unknown');
const MISMATCH = NOT_MATCHED('mismatch');

/**
 * An `ApiKeyStore` in this process's memory: for a single process, tests and development. A
 * verification is one synchronous step, so concurrent requests of one key count exactly. Keys
 * are not shared with other processes; use the Redis or Postgres store when there are several.
 *
 * @example
 * const apiKeys = createApiKeys({ store: new MemoryApiKeyStore(), peppers: [pepper] });
 */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly name = STORE;
  readonly #keys = new Map<string, HeldKey>();
  readonly #byOwner = new Map<string, Set<string>>();
  readonly #maxEntries: number;

  constructor(options: MemoryApiKeyStoreOptions = {}) {
    this.#maxEntries = parseOptions('MemoryApiKeyStore', optionsSchema, options).maxEntries;
  }

  async create(record: ApiKeyRecord): Promise<void> {
    if (this.#keys.has(record.id)) throw new Error(`API key id ${record.id} exists already.`);
    if (this.#keys.size >= this.#maxEntries) throw new StoreFullError(STORE, this.#maxEntries);
    this.#keys.set(record.id, {
      record: Object.freeze({ ...record }),
      policy: record.rateLimit === undefined ? undefined : keyPolicy(record.rateLimit),
      counter: newKeyCounter(),
    });
    let owned = this.#byOwner.get(record.ownerId);
    if (owned === undefined) {
      owned = new Set();
      this.#byOwner.set(record.ownerId, owned);
    }
    owned.add(record.id);
  }

  verify(check: ApiKeyCheck): Promise<ApiKeyLookup> {
    return Promise.resolve(this.#verifyNow(check));
  }

  static {
    // Saves the promise, and the microtask awaiting it, on every verification (the service's hot path).
    defineSyncTwin(MemoryApiKeyStore.prototype, 'verify', function verifyNow(check) {
      return this.#verifyNow(check);
    });
  }

  /** {@link verify}, answered synchronously (nothing here waits). */
  #verifyNow({ id, secretHashes, now, cost }: ApiKeyCheck): ApiKeyLookup {
    const held = this.#keys.get(id);
    if (held === undefined) return UNKNOWN;
    const record = held.record;
    let matchedHash: string | undefined;
    let matchedPrevious = false;
    if (secretHashes.includes(record.secretHash)) matchedHash = record.secretHash;
    else if (
      record.previousSecretHash !== undefined &&
      (record.previousValidUntil ?? 0) > now &&
      secretHashes.includes(record.previousSecretHash)
    ) {
      matchedHash = record.previousSecretHash;
      matchedPrevious = true;
    }
    if (matchedHash === undefined) return MISMATCH;
    let outcome: ApiKeyOutcome = 'valid';
    let rateLimit: ApiKeyLookup['rateLimit'];
    if (record.revokedAt !== undefined) outcome = 'revoked';
    else if (record.expiresAt !== undefined && record.expiresAt <= now) outcome = 'expired';
    else if (record.disabled) outcome = 'disabled';
    else if (held.policy !== undefined) {
      rateLimit = checkKeyLimit(held.policy, held.counter, now, cost);
      if (rateLimit.retryAfterMs > 0) outcome = 'limited';
    }
    return {
      outcome,
      matchedHash,
      ownerId: record.ownerId,
      scopes: record.scopes,
      expiresAt: record.expiresAt,
      lastUsedAt: record.lastUsedAt,
      rotationDueAt: record.rotationDueAt,
      matchedPrevious,
      rateLimit,
    };
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#keys.get(id)?.record;
  }

  async get(ref: ApiKeyRef): Promise<ApiKeyRecord | undefined> {
    return this.#owned(ref)?.record;
  }

  async list(ownerId: string): Promise<readonly ApiKeyRecord[]> {
    const ids = this.#byOwner.get(ownerId) ?? new Set<string>();
    return [...ids]
      .map((id) => (this.#keys.get(id) as HeldKey).record)
      .filter((record) => record.revokedAt === undefined)
      .sort(byCreation);
  }

  async update(ref: ApiKeyRef, change: ApiKeyChange, ifSecretHash?: string): Promise<boolean> {
    const held = this.#owned(ref);
    if (held === undefined || held.record.revokedAt !== undefined) return false;
    if (ifSecretHash !== undefined && held.record.secretHash !== ifSecretHash) return false;
    held.record = Object.freeze(applyChange(held.record, change));
    return true;
  }

  async revoke(ref: ApiKeyRef, at: number): Promise<boolean> {
    const held = this.#owned(ref);
    if (held === undefined || held.record.revokedAt !== undefined) return false;
    held.record = Object.freeze({ ...held.record, revokedAt: at });
    return true;
  }

  async revokeAllForUser(ownerId: string, at: number): Promise<number> {
    let revoked = 0;
    for (const id of this.#byOwner.get(ownerId) ?? []) {
      if (await this.revoke({ id, ownerId }, at)) revoked++;
    }
    return revoked;
  }

  async touch(id: string, at: number): Promise<void> {
    const held = this.#keys.get(id);
    if (held === undefined || (held.record.lastUsedAt ?? 0) >= at) return;
    held.record = Object.freeze({ ...held.record, lastUsedAt: at });
  }

  async listDueForRotation(dueBy: number, limit: number): Promise<readonly ApiKeyRecord[]> {
    const due: ApiKeyRecord[] = [];
    for (const { record } of this.#keys.values()) {
      if (
        record.revokedAt === undefined &&
        record.rotationDueAt !== undefined &&
        record.rotationDueAt <= dueBy
      ) {
        due.push(record);
      }
    }
    return due
      .sort((a, b) => (a.rotationDueAt as number) - (b.rotationDueAt as number))
      .slice(0, limit);
  }

  async purgeUser(ownerId: string): Promise<void> {
    for (const id of this.#byOwner.get(ownerId) ?? []) this.#keys.delete(id);
    this.#byOwner.delete(ownerId);
  }

  /** The key when `ref` names it and its owner. */
  #owned(ref: ApiKeyRef): HeldKey | undefined {
    const held = this.#keys.get(ref.id);
    return held !== undefined && held.record.ownerId === ref.ownerId ? held : undefined;
  }
}

function byCreation(a: ApiKeyRecord, b: ApiKeyRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
}
