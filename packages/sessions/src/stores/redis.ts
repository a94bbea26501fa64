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
import type {
  CreateOutcome,
  SessionCap,
  SessionLookup,
  SessionRecord,
  SessionStore,
  SessionTiming,
} from '../store.js';
import { type SessionRef, sessionUserKey } from '../token.js';
import { decodeRecord, encodeRecord } from './redis-record.js';
import {
  authenticateScript,
  createScript,
  listScript,
  recordScript,
  replaceScript,
  revokeOthersScript,
  revokeScript,
} from './redis-scripts.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the sessions stores call, typed structurally so
 * this package never imports ioredis.
 */
export interface RedisSessionStoreClient extends RedisScriptClient {
  del(...keys: string[]): Promise<number>;
}

/** Options of {@link RedisSessionStore} (and of `RedisTrustedDeviceStore`). */
export interface RedisSessionStoreOptions {
  /**
   * The application's ioredis instance; Rampart neither connects nor closes it. Prefer
   * `enableOfflineQueue: false` so an outage fails fast (503) instead of queueing commands.
   */
  redis: RedisSessionStoreClient;
  /** Prepended to every key; default `rampart:sessions:`. */
  keyPrefix?: string;
  /** How long an operation may wait before it fails with `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
}

const redisOptionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisSessionStoreClient>({
    prefix: 'sessions',
    methods: ['evalsha', 'eval', 'del'],
    commandTimeoutMs: 1000,
  }),
);

/**
 * A `SessionStore` on Redis. Validating a cookie and refreshing its idle clock is one `EVALSHA`
 * (one round trip per authenticated request); a sign-in is one script over the user's sorted set,
 * so the per-user cap holds under concurrent sign-ins from any number of processes. Every key of
 * a user shares the user's hash tag, so it works on Redis Cluster; keys expire when the user's
 * last session is forgotten. No key or value holds a token: ids are the tokens' SHA-256.
 *
 * Keys: `<prefix>{<user key>}:s` (hash: id → record) and `<prefix>{<user key>}:seen` (sorted set:
 * id → lastSeenAt), the user key being the one in the cookie (SHA-256 of the user id).
 *
 * @example
 * const store = new RedisSessionStore({ redis: new Redis(url, { enableOfflineQueue: false }) });
 */
export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisSessionStoreClient;
  readonly #prefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisSessionStoreOptions) {
    const parsed = parseOptions('RedisSessionStore', redisOptionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({
      store: 'redis-session-store',
      timeoutMs: parsed.commandTimeoutMs,
    });
  }

  async create(
    record: SessionRecord,
    cap: SessionCap,
    timing: SessionTiming,
    now: number,
  ): Promise<CreateOutcome> {
    const reply = (await this.#deadline.run(() =>
      createScript.run(this.#redis, this.#keys(sessionUserKey(record.userId)), [
        record.id,
        now,
        timing.idleMs,
        timing.retentionMs,
        cap.max,
        cap.policy,
        encodeRecord(record),
        record.expiresAt,
      ]),
    )) as unknown[];
    if (reply[0] !== 1) return { created: false, evicted: [] };
    return { created: true, evicted: reply.slice(1) as string[] };
  }

  authenticate(ref: SessionRef, timing: SessionTiming, now: number): Promise<SessionLookup> {
    return this.#deadline.run(
      () =>
        authenticateScript.run(this.#redis, this.#keys(ref.userKey), [
          ref.id,
          now,
          timing.idleMs,
          timing.touchIntervalMs,
          timing.retentionMs,
        ]),
      (reply): SessionLookup => {
        if (reply === null) return { status: 'absent' };
        const [first, lastSeen, touched] = reply as unknown[];
        if (first === 'idle' || first === 'absolute') return { status: 'expired', timeout: first };
        return {
          status: 'active',
          record: decodeRecord(ref.id, first, lastSeen),
          touched: touched === 1,
        };
      },
    );
  }

  async record(ref: SessionRef, record: SessionRecord): Promise<boolean> {
    const reply = await this.#deadline.run(() =>
      recordScript.run(
        this.#redis,
        [this.#keys(ref.userKey)[0] as string],
        [ref.id, encodeRecord(record)],
      ),
    );
    return reply === 1;
  }

  async replace(
    old: SessionRef,
    record: SessionRecord,
    timing: SessionTiming,
    now: number,
  ): Promise<boolean> {
    const reply = await this.#deadline.run(() =>
      replaceScript.run(this.#redis, this.#keys(old.userKey), [
        old.id,
        record.id,
        now,
        timing.idleMs,
        timing.retentionMs,
        encodeRecord(record),
        record.expiresAt,
      ]),
    );
    return reply === 1;
  }

  async list(userId: string, timing: SessionTiming, now: number): Promise<SessionRecord[]> {
    const [fields, seen] = (await this.#deadline.run(() =>
      listScript.run(this.#redis, this.#keys(sessionUserKey(userId)), []),
    )) as [string[], string[]];
    const lastSeen = new Map<string, string>();
    for (let i = 0; i + 1 < seen.length; i += 2)
      lastSeen.set(seen[i] as string, seen[i + 1] as string);
    const live: SessionRecord[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const id = fields[i] as string;
      const seenText = lastSeen.get(id);
      if (seenText === undefined) continue;
      const record = decodeRecord(id, fields[i + 1], seenText);
      if (now < record.expiresAt && now < record.lastSeenAt + timing.idleMs) live.push(record);
    }
    return live;
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const reply = await this.#deadline.run(() =>
      revokeScript.run(this.#redis, this.#keys(sessionUserKey(userId)), [id]),
    );
    return reply === 1;
  }

  async revokeOthers(userId: string, keepId: string): Promise<number> {
    const reply = await this.#deadline.run(() =>
      revokeOthersScript.run(this.#redis, this.#keys(sessionUserKey(userId)), [keepId]),
    );
    return Number(reply);
  }

  async revokeAllForUser(userId: string): Promise<void> {
    // Both keys share the user's hash tag: one DEL, one slot.
    await this.#deadline.run(() => this.#redis.del(...this.#keys(sessionUserKey(userId))));
  }

  async purgeUser(userId: string): Promise<void> {
    await this.revokeAllForUser(userId);
  }

  #keys(userKey: string): string[] {
    const tag = hashTag(userKey);
    return [redisKey(this.#prefix, tag, 's'), redisKey(this.#prefix, tag, 'seen')];
  }
}
