import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  hashTag,
  type RedisScriptClient,
  redisKey,
  redisStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/redis';
import { z } from 'zod';
import { KEY_ID_PATTERN } from '../format.js';
import type {
  ApiKeyChange,
  ApiKeyCheck,
  ApiKeyLookup,
  ApiKeyOutcome,
  ApiKeyRecord,
  ApiKeyRef,
  ApiKeyStore,
} from '../store.js';
import { changeFields, parseRecord, recordFields, replyNumber, scopesOf } from './redis-record.js';
import {
  createScript,
  revokeScript,
  touchScript,
  updateScript,
  verifyScript,
} from './redis-scripts.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the store calls, typed structurally so this
 * package never imports ioredis.
 */
export interface RedisApiKeyStoreClient extends RedisScriptClient {
  hgetall(key: string): Promise<Record<string, string>>;
  smembers(key: string): Promise<string[]>;
  sadd(key: string, ...members: string[]): Promise<number>;
  del(...keys: string[]): Promise<number>;
  zadd(key: string, score: number, member: string): Promise<number | string>;
  zrem(key: string, ...members: string[]): Promise<number>;
  zrangebyscore(
    key: string,
    min: string,
    max: number,
    limit: 'LIMIT',
    offset: number,
    count: number,
  ): Promise<string[]>;
}

/** Options of {@link RedisApiKeyStore}. */
export interface RedisApiKeyStoreOptions {
  /**
   * The application's ioredis instance; Rampart neither connects nor closes it. Prefer
   * `enableOfflineQueue: false` so an outage fails fast (503) instead of queueing commands.
   */
  redis: RedisApiKeyStoreClient;
  /** Prepended to every key; default `rampart:api-keys:`. */
  keyPrefix?: string;
  /** How long an operation may wait before it fails with `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisApiKeyStoreClient>({
    prefix: 'api-keys',
    methods: [
      'evalsha',
      'eval',
      'hgetall',
      'smembers',
      'sadd',
      'del',
      'zadd',
      'zrem',
      'zrangebyscore',
    ],
    commandTimeoutMs: 1000,
  }),
);

const STORE = 'redis-api-key-store';

/** Whether a reply's first element is an outcome: a switch, as a `Set` hashes the reply's fresh string. */
function isOutcome(value: string): value is ApiKeyOutcome {
  switch (value) {
    case 'unknown':
    case 'mismatch':
    case 'revoked':
    case 'expired':
    case 'disabled':
    case 'limited':
    case 'valid':
      return true;
    default:
      return false;
  }
}

function notMatched(outcome: ApiKeyOutcome): ApiKeyLookup {
  return {
    outcome,
    matchedHash: undefined,
    ownerId: undefined,
    scopes: undefined,
    expiresAt: undefined,
    lastUsedAt: undefined,
    rotationDueAt: undefined,
    matchedPrevious: false,
    rateLimit: undefined,
  };
}

/** The lookup in a verify script's reply (see `verifyScript`). Throws for a reply it cannot read. */
function parseLookup(value: unknown): ApiKeyLookup {
  if (!Array.isArray(value)) throw new Error(`${STORE}: unexpected verify reply.`);
  const reply: unknown[] = value;
  const outcome = String(reply[0]);
  if (!isOutcome(outcome)) throw new Error(`${STORE}: unexpected verify reply ${outcome}.`);
  if (outcome === 'unknown' || outcome === 'mismatch') return notMatched(outcome);
  const limit = replyNumber(reply[8]);
  const windowMs = replyNumber(reply[9]);
  return {
    outcome,
    matchedHash: reply[1] as string,
    matchedPrevious: reply[2] === 1,
    ownerId: reply[3] as string,
    scopes: scopesOf(reply[4]),
    expiresAt: replyNumber(reply[5]),
    lastUsedAt: replyNumber(reply[6]),
    rotationDueAt: replyNumber(reply[7]),
    rateLimit:
      limit === undefined || windowMs === undefined
        ? undefined
        : {
            limit,
            windowMs,
            remaining: replyNumber(reply[10]) ?? 0,
            resetMs: replyNumber(reply[11]) ?? 0,
            retryAfterMs: replyNumber(reply[12]) ?? 0,
          },
  };
}

/**
 * An `ApiKeyStore` on Redis. A verification is one `EVALSHA` (lookup, secret hash, revocation,
 * expiry, disabled flag and the key's rate-limit counter), so every process sharing the server
 * sees a revocation at once and concurrent requests of one key count exactly. Each key is one
 * hash, `<prefix>key:{<id>}` (its own Cluster slot); an owner's ids are a set
 * `<prefix>user:{<owner>}` and rotation reminders a sorted set `<prefix>rotation-due`, written
 * beside the key by the (rare) management calls.
 *
 * @example
 * const store = new RedisApiKeyStore({ redis: new Redis(url, { enableOfflineQueue: false }) });
 */
export class RedisApiKeyStore implements ApiKeyStore {
  readonly name = STORE;
  readonly #redis: RedisApiKeyStoreClient;
  readonly #prefix: string;
  /** `<prefix>key:`, before a key hash's tag. */
  readonly #keyHead: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisApiKeyStoreOptions) {
    const parsed = parseOptions('RedisApiKeyStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#keyHead = `${redisKey(this.#prefix, 'key')}:`;
    this.#deadline = createStoreDeadline({ store: STORE, timeoutMs: parsed.commandTimeoutMs });
  }

  async create(record: ApiKeyRecord): Promise<void> {
    // The owner's index first: an id listed without its hash is skipped, a hash never unlisted.
    await this.#run(() => this.#redis.sadd(this.#userKey(record.ownerId), record.id));
    const written = await this.#run(() =>
      createScript.run(this.#redis, [this.#key(record.id)], recordFields(record)),
    );
    if (written !== 1) throw new Error(`API key id ${record.id} exists already.`);
    if (record.rotationDueAt !== undefined) {
      const due = record.rotationDueAt;
      await this.#run(() => this.#redis.zadd(this.#dueKey(), due, record.id));
    }
  }

  verify(check: ApiKeyCheck): Promise<ApiKeyLookup> {
    // The reply is read inside the deadline's promise: an unreadable one is a 503, and no second
    // promise is awaited per verification.
    return this.#deadline.run(
      () =>
        verifyScript.run(
          this.#redis,
          [this.#key(check.id)],
          [check.now, check.cost, ...check.secretHashes],
        ),
      parseLookup,
    );
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const hash = await this.#run(() => this.#redis.hgetall(this.#key(id)));
    return parseRecord(id, hash);
  }

  async get(ref: ApiKeyRef): Promise<ApiKeyRecord | undefined> {
    const record = await this.find(ref.id);
    return record?.ownerId === ref.ownerId ? record : undefined;
  }

  async list(ownerId: string): Promise<readonly ApiKeyRecord[]> {
    const records = await this.#ownedRecords(ownerId);
    return records
      .filter((record) => record.revokedAt === undefined)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async update(ref: ApiKeyRef, change: ApiKeyChange, ifSecretHash?: string): Promise<boolean> {
    const fields = changeFields(change);
    const applied = await this.#run(() =>
      updateScript.run(
        this.#redis,
        [this.#key(ref.id)],
        [ref.ownerId, ifSecretHash ?? '', ...fields],
      ),
    );
    if (applied !== 1) return false;
    const due = change.rotationDueAt;
    if (due === null) await this.#run(() => this.#redis.zrem(this.#dueKey(), ref.id));
    else if (due !== undefined)
      await this.#run(() => this.#redis.zadd(this.#dueKey(), due, ref.id));
    return true;
  }

  async revoke(ref: ApiKeyRef, at: number): Promise<boolean> {
    const revoked = await this.#run(() =>
      revokeScript.run(this.#redis, [this.#key(ref.id)], [ref.ownerId, at]),
    );
    if (revoked !== 1) return false;
    await this.#run(() => this.#redis.zrem(this.#dueKey(), ref.id));
    return true;
  }

  async revokeAllForUser(ownerId: string, at: number): Promise<number> {
    const ids = await this.#run(() => this.#redis.smembers(this.#userKey(ownerId)));
    const revoked = await Promise.all(ids.map((id) => this.revoke({ id, ownerId }, at)));
    return revoked.filter(Boolean).length;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.#run(() => touchScript.run(this.#redis, [this.#key(id)], [at]));
  }

  async listDueForRotation(dueBy: number, limit: number): Promise<readonly ApiKeyRecord[]> {
    const ids = await this.#run(() =>
      this.#redis.zrangebyscore(this.#dueKey(), '-inf', dueBy, 'LIMIT', 0, limit),
    );
    const records = await Promise.all(ids.map((id) => this.find(id)));
    return records.filter(
      (record): record is ApiKeyRecord =>
        record !== undefined &&
        record.revokedAt === undefined &&
        record.rotationDueAt !== undefined &&
        record.rotationDueAt <= dueBy,
    );
  }

  async purgeUser(ownerId: string): Promise<void> {
    const userKey = this.#userKey(ownerId);
    const ids = await this.#run(() => this.#redis.smembers(userKey));
    const records = await Promise.all(ids.map((id) => this.find(id)));
    // Only hashes that are the owner's: the set is ours, but a hash is the truth.
    const owned = ids.filter((_, index) => records[index]?.ownerId === ownerId);
    for (const id of owned) await this.#run(() => this.#redis.del(this.#key(id)));
    if (owned.length > 0) await this.#run(() => this.#redis.zrem(this.#dueKey(), ...owned));
    await this.#run(() => this.#redis.del(userKey));
  }

  async #ownedRecords(ownerId: string): Promise<ApiKeyRecord[]> {
    const ids = await this.#run(() => this.#redis.smembers(this.#userKey(ownerId)));
    const records = await Promise.all(ids.map((id) => this.find(id)));
    return records.filter(
      (record): record is ApiKeyRecord => record !== undefined && record.ownerId === ownerId,
    );
  }

  #key(id: string): string {
    // A key id (base62, 16 characters) needs no escaping, so it is its own hash tag: the same
    // key `redisKey` builds, without its per-call escaping and tag object on the hot path.
    if (KEY_ID_PATTERN.test(id)) return `${this.#keyHead}{${id}}`;
    return redisKey(this.#prefix, 'key', hashTag(id));
  }

  #userKey(ownerId: string): string {
    return redisKey(this.#prefix, 'user', hashTag(ownerId));
  }

  #dueKey(): string {
    return redisKey(this.#prefix, 'rotation-due');
  }

  #run<T>(operation: () => PromiseLike<T>): Promise<T> {
    return this.#deadline.run(operation);
  }
}
