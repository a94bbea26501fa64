import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  hashTag,
  redisKey,
  redisStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/redis';
import { z } from 'zod';
import { sessionUserKey } from '../token.js';
import type { TrustedDeviceRecord, TrustedDeviceStore } from '../trusted-device-store.js';
import type { RedisSessionStoreClient, RedisSessionStoreOptions } from './redis.js';
import { addDeviceScript } from './redis-scripts.js';

/** The part of an ioredis client the device store calls. */
export interface RedisTrustedDeviceStoreClient extends RedisSessionStoreClient {
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<number>;
}

/** Options of {@link RedisTrustedDeviceStore}: those of `RedisSessionStore`. */
export interface RedisTrustedDeviceStoreOptions extends Omit<RedisSessionStoreOptions, 'redis'> {
  redis: RedisTrustedDeviceStoreClient;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisTrustedDeviceStoreClient>({
    prefix: 'sessions',
    methods: ['evalsha', 'eval', 'del', 'hget', 'hgetall', 'hdel'],
    commandTimeoutMs: 1000,
  }),
);

const DEVICE = /^(\d{1,16}):(\d{1,16}):(.*)$/s;

function decodeDevice(id: string, userId: string, text: string): TrustedDeviceRecord {
  const match = DEVICE.exec(text);
  if (match === null) throw new TypeError('RedisTrustedDeviceStore: unreadable device record');
  return {
    id,
    userId,
    expiresAt: Number(match[1]),
    createdAt: Number(match[2]),
    userAgent: JSON.parse(match[3] as string) as string,
  };
}

/**
 * A `TrustedDeviceStore` on Redis: one hash per user, `<prefix>{<user key>}:d` (device id, the
 * token's SHA-256 → `<expiresAt>:<createdAt>:<User-Agent as JSON>`), under the same hash tag as
 * the user's sessions. A verification is one `HGET`; adding is one script (expired devices
 * forgotten, the cap applied). The key expires with the user's last device.
 *
 * @example
 * const devices = createTrustedDevices({ store: new RedisTrustedDeviceStore({ redis }) });
 */
export class RedisTrustedDeviceStore implements TrustedDeviceStore {
  readonly #redis: RedisTrustedDeviceStoreClient;
  readonly #prefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisTrustedDeviceStoreOptions) {
    const parsed = parseOptions('RedisTrustedDeviceStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({
      store: 'redis-trusted-device-store',
      timeoutMs: parsed.commandTimeoutMs,
    });
  }

  async add(record: TrustedDeviceRecord, maxPerUser: number, now: number): Promise<void> {
    const text = `${record.expiresAt}:${record.createdAt}:${JSON.stringify(record.userAgent)}`;
    await this.#deadline.run(() =>
      addDeviceScript.run(
        this.#redis,
        [this.#key(record.userId)],
        [record.id, text, now, maxPerUser, record.expiresAt],
      ),
    );
  }

  find(userId: string, id: string, now: number): Promise<TrustedDeviceRecord | undefined> {
    return this.#deadline.run(
      () => this.#redis.hget(this.#key(userId), id),
      (text) => {
        if (text === null) return undefined;
        const record = decodeDevice(id, userId, text);
        return now < record.expiresAt ? record : undefined;
      },
    );
  }

  list(userId: string, now: number): Promise<TrustedDeviceRecord[]> {
    return this.#deadline.run(
      () => this.#redis.hgetall(this.#key(userId)),
      (all) =>
        Object.entries(all)
          .map(([id, text]) => decodeDevice(id, userId, text))
          .filter((record) => now < record.expiresAt),
    );
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    return (await this.#deadline.run(() => this.#redis.hdel(this.#key(userId), id))) === 1;
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.#deadline.run(() => this.#redis.del(this.#key(userId)));
  }

  async purgeUser(userId: string): Promise<void> {
    await this.revokeAllForUser(userId);
  }

  #key(userId: string): string {
    return redisKey(this.#prefix, hashTag(sessionUserKey(userId)), 'd');
  }
}
