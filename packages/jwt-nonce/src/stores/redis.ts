import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  hashTag,
  type RedisScanClient,
  type RedisScriptClient,
  redisKey,
  redisStoreOptionsShape,
  type StoreDeadline,
  scanKeysWithPrefix,
} from '@rampart/core/redis';
import { z } from 'zod';
import type {
  JwtNonceStore,
  SpendOutcome,
  SpendResult,
  TokenLookup,
  TokenRecord,
  TokenRef,
  TokenStatus,
  UserWatermark,
} from '../store.js';
import type { TokenKind } from '../verify/claims.js';
import {
  lookupScript,
  markScript,
  recordScript,
  revokeScript,
  spendScript,
  watermarkScript,
} from './redis-scripts.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the store calls, typed structurally so this
 * package never imports ioredis.
 */
export interface RedisJwtNonceStoreClient extends RedisScriptClient, RedisScanClient {
  del(...keys: string[]): Promise<number>;
}

/** Options of {@link RedisJwtNonceStore}. */
export interface RedisJwtNonceStoreOptions {
  /**
   * The application's ioredis instance; Rampart neither connects nor closes it. Prefer
   * `enableOfflineQueue: false` so an outage fails fast (503) instead of queueing commands.
   */
  redis: RedisJwtNonceStoreClient;
  /** Prepended to every key; default `rampart:jwt-nonce:`. */
  keyPrefix?: string;
  /** How long an operation may wait before it fails with `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisJwtNonceStoreClient>({
    prefix: 'jwt-nonce',
    methods: ['evalsha', 'eval', 'scan', 'del'],
    commandTimeoutMs: 1000,
  }),
);

const STORE = 'redis-jwt-nonce-store';
const STATUS: Readonly<Record<string, TokenStatus>> = { a: 'active', s: 'spent', r: 'revoked' };
/** The letter after the issue time in a token value (see redis-scripts.ts). */
const KIND_LETTER: Readonly<Record<TokenKind, string>> = { access: 'A', refresh: 'R' };
const DIGITS = /^\d{1,16}$/;

/**
 * Parses a token value a script read back (see redis-scripts.ts), as presented with `family`
 * and `kind`; Redis holds only what the scripts wrote.
 */
function parseToken(
  value: unknown,
  { family, kind }: Pick<TokenRef, 'family' | 'kind'>,
): { status: TokenStatus; issuedAt: number | undefined } {
  if (typeof value !== 'string' || value.length === 0) {
    return { status: 'absent', issuedAt: undefined };
  }
  // The issue time is digits, so the first ':' ends it and the kind letter; a value without
  // them (written before the binding) has no family or kind and matches none.
  const separator = value.indexOf(':');
  if (
    separator < 2 ||
    value[separator - 1] !== KIND_LETTER[kind] ||
    value.slice(separator + 1) !== family
  ) {
    return { status: 'mismatched', issuedAt: undefined };
  }
  const issuedAt = value.slice(1, separator - 1);
  return {
    status: STATUS[value[0] as string] ?? 'revoked',
    issuedAt: DIGITS.test(issuedAt) ? Number(issuedAt) : undefined,
  };
}

function parseWatermark(value: unknown): number | undefined {
  return typeof value === 'string' && DIGITS.test(value) ? Number(value) : undefined;
}

/**
 * A `JwtNonceStore` on Redis. Each verification is one `EVALSHA` reading the token, its family
 * and its user's watermark; spending a refresh token is one script, atomic on the server, so
 * exactly one of any number of concurrent refreshes wins across every process. Keys expire with
 * their tokens. All keys of a user share its hash tag, so it works on Redis Cluster.
 *
 * Keys: `<prefix>{<sub>}:t:<iss>:<jti>`, `…:f:<iss>:<family>`, `…:u:<iss>`. A token is bound to
 * its user by its key and to its family and kind by its value; presented under another user it
 * is not found (`absent`), under another family or kind it is `mismatched`.
 *
 * @example
 * const store = new RedisJwtNonceStore({ redis: new Redis(url, { enableOfflineQueue: false }) });
 */
export class RedisJwtNonceStore implements JwtNonceStore {
  readonly #redis: RedisJwtNonceStoreClient;
  readonly #prefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisJwtNonceStoreOptions) {
    const parsed = parseOptions('RedisJwtNonceStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({ store: STORE, timeoutMs: parsed.commandTimeoutMs });
  }

  async record(records: readonly TokenRecord[]): Promise<void> {
    if (records.length === 0) return;
    const now = Date.now();
    // One script per user (records of one issue share it): one round trip, one Cluster slot.
    const byUser = new Map<string, TokenRecord[]>();
    for (const record of records) {
      const group = byUser.get(record.sub) ?? [];
      group.push(record);
      byUser.set(record.sub, group);
    }
    await Promise.all(
      [...byUser.values()].map((group) =>
        this.#run(() =>
          recordScript.run(
            this.#redis,
            group.map((record) => this.#tokenKey(record)),
            group.flatMap((record) => [
              `a${record.issuedAt}${KIND_LETTER[record.kind]}:${record.family}`,
              ttl(record.expiresAt, now),
            ]),
          ),
        ),
      ),
    );
  }

  async lookup(ref: TokenRef): Promise<TokenLookup> {
    const reply = (await this.#run(() =>
      lookupScript.run(this.#redis, this.#keys(ref), []),
    )) as unknown[];
    return { ...parseToken(reply[0], ref), ...this.#context(reply[1], reply[2]) };
  }

  async spend(ref: TokenRef, requireRecord: boolean): Promise<SpendResult> {
    const reply = (await this.#run(() =>
      spendScript.run(this.#redis, this.#keys(ref), [
        requireRecord ? '1' : '0',
        ttl(ref.expiresAt, Date.now()),
        ref.family,
        KIND_LETTER[ref.kind],
      ]),
    )) as unknown[];
    const outcome = reply[0] as SpendOutcome;
    return {
      outcome,
      issuedAt: parseToken(reply[1], ref).issuedAt,
      ...this.#context(reply[2], reply[3]),
    };
  }

  async revoke(ref: TokenRef): Promise<void> {
    await this.#run(() =>
      revokeScript.run(
        this.#redis,
        [this.#tokenKey(ref)],
        [`r${KIND_LETTER[ref.kind]}:${ref.family}`, ttl(ref.expiresAt, Date.now())],
      ),
    );
  }

  async revokeFamily(iss: string, sub: string, family: string, expiresAt: number): Promise<void> {
    await this.#run(() =>
      markScript.run(
        this.#redis,
        [redisKey(this.#prefix, hashTag(sub), 'f', iss, family)],
        ['1', ttl(expiresAt, Date.now())],
      ),
    );
  }

  async revokeAllForUser({ iss, sub, at, expiresAt }: UserWatermark): Promise<void> {
    await this.#run(() =>
      watermarkScript.run(this.#redis, [this.#userKey(iss, sub)], [at, ttl(expiresAt, Date.now())]),
    );
  }

  /** Deletes the user's token and family keys of every issuer, found by SCAN; watermarks stay. */
  async purgeUser(userId: string): Promise<void> {
    const userPrefix = redisKey(this.#prefix, hashTag(userId), '');
    const watermarks = `${userPrefix}u:`;
    // Every key of the user carries its hash tag: one slot, so one DEL per batch is Cluster-safe.
    await scanKeysWithPrefix(
      this.#redis,
      userPrefix,
      async (keys) => {
        const doomed = keys.filter((key) => !key.startsWith(watermarks));
        if (doomed.length > 0) await this.#run(() => this.#redis.del(...doomed));
      },
      (command) => this.#run(command),
    );
  }

  #context(family: unknown, watermark: unknown): Omit<TokenLookup, 'status' | 'issuedAt'> {
    return { familyRevoked: family === 1, userRevokedBefore: parseWatermark(watermark) };
  }

  #keys(ref: TokenRef): string[] {
    return [
      this.#tokenKey(ref),
      redisKey(this.#prefix, hashTag(ref.sub), 'f', ref.iss, ref.family),
      this.#userKey(ref.iss, ref.sub),
    ];
  }

  #tokenKey(ref: Pick<TokenRef, 'iss' | 'jti' | 'sub'>): string {
    return redisKey(this.#prefix, hashTag(ref.sub), 't', ref.iss, ref.jti);
  }

  #userKey(iss: string, sub: string): string {
    return redisKey(this.#prefix, hashTag(sub), 'u', iss);
  }

  #run<T>(operation: () => PromiseLike<T>): Promise<T> {
    return this.#deadline.run(operation);
  }
}

/** Milliseconds from `now` until `expiresAt`, at least 1 (PX refuses 0). */
function ttl(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil(expiresAt - now));
}
