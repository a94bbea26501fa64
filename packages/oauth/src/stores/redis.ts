import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  hashTag,
  RedisScript,
  type RedisScriptClient,
  redisKey,
  redisStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/redis';
import { z } from 'zod';
import type { OAuthLink, OAuthLinkStore } from '../store.js';

/** The part of an ioredis `Redis` or `Cluster` the store calls (typed structurally). */
export interface RedisOAuthLinkStoreClient extends RedisScriptClient {
  get(key: string): Promise<string | null>;
  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  del(...keys: string[]): Promise<number>;
}

/** Options of {@link RedisOAuthLinkStore}. */
export interface RedisOAuthLinkStoreOptions {
  /** The application's ioredis instance; Rampart neither connects nor closes it. */
  redis: RedisOAuthLinkStoreClient;
  /** Prepended to every key; default `rampart:oauth:`. */
  keyPrefix?: string;
  /** How long an operation may wait before it fails with `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisOAuthLinkStoreClient>({
    prefix: 'oauth',
    methods: ['evalsha', 'eval', 'get', 'sadd', 'srem', 'smembers', 'del'],
    commandTimeoutMs: 1000,
  }),
);

/** Claims the link key unless taken; returns the value that holds it (ours or the earlier one). */
const linkScript = new RedisScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`);

/** Deletes the link key only while it still belongs to the user (ARGV[1]). */
const unlinkScript = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local at = string.find(value, ':', 1, true)
if at and string.sub(value, at + 1) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`);

/** A link key's value: `<linkedAt>:<userId>` (the time is digits, so the first ':' ends it). */
function parseValue(value: string | null): { linkedAt: number; userId: string } | undefined {
  if (value === null) return undefined;
  const at = value.indexOf(':');
  if (at < 1 || !/^\d{1,16}$/.test(value.slice(0, at))) return undefined;
  return { linkedAt: Number(value.slice(0, at)), userId: value.slice(at + 1) };
}

/**
 * Links in Redis. `link:{provider:subject}` holds `<linkedAt>:<userId>` and is claimed by one
 * script (atomic: one of two concurrent first sign-ins wins, the other reads the winner);
 * `user:{userId}` is the user's index of pairs, a set written after the claim and checked on
 * every read, so a stale member is never believed. Each command touches one key (Cluster-safe).
 */
export class RedisOAuthLinkStore implements OAuthLinkStore {
  readonly #redis: RedisOAuthLinkStoreClient;
  readonly #prefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisOAuthLinkStoreOptions) {
    const parsed = parseOptions('RedisOAuthLinkStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#prefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({
      store: 'redis-oauth-link-store',
      timeoutMs: parsed.commandTimeoutMs,
    });
  }

  #linkKey(provider: string, subject: string): string {
    return redisKey(this.#prefix, 'link', hashTag(JSON.stringify([provider, subject])));
  }

  #userKey(userId: string): string {
    return redisKey(this.#prefix, 'user', hashTag(userId));
  }

  async link(provider: string, subject: string, userId: string, at: number): Promise<string> {
    const value = await this.#deadline.run(
      () =>
        linkScript.run(
          this.#redis,
          [this.#linkKey(provider, subject)],
          [`${Math.floor(at)}:${userId}`],
        ),
      (reply) => parseValue(typeof reply === 'string' ? reply : null),
    );
    if (value === undefined) throw new Error('RedisOAuthLinkStore: unreadable link value');
    const owner = value.userId;
    await this.#deadline.run(() =>
      this.#redis.sadd(this.#userKey(owner), JSON.stringify([provider, subject])),
    );
    return owner;
  }

  async find(provider: string, subject: string): Promise<string | undefined> {
    return this.#deadline.run(
      () => this.#redis.get(this.#linkKey(provider, subject)),
      (value) => parseValue(value)?.userId,
    );
  }

  async #members(userId: string): Promise<Array<[string, string]>> {
    const members = await this.#deadline.run(() => this.#redis.smembers(this.#userKey(userId)));
    return members.map((member) => JSON.parse(member) as [string, string]);
  }

  async listByUser(userId: string): Promise<OAuthLink[]> {
    const links: OAuthLink[] = [];
    for (const [provider, subject] of await this.#members(userId)) {
      const value = parseValue(
        await this.#deadline.run(() => this.#redis.get(this.#linkKey(provider, subject))),
      );
      if (value?.userId === userId)
        links.push({ provider, subject, userId, linkedAt: value.linkedAt });
    }
    return links.sort((a, b) => a.linkedAt - b.linkedAt);
  }

  async unlink(userId: string, provider: string): Promise<boolean> {
    let removed = false;
    for (const [linked, subject] of await this.#members(userId)) {
      if (linked !== provider) continue;
      const deleted = await this.#deadline.run(() =>
        unlinkScript.run(this.#redis, [this.#linkKey(linked, subject)], [userId]),
      );
      await this.#deadline.run(() =>
        this.#redis.srem(this.#userKey(userId), JSON.stringify([linked, subject])),
      );
      removed ||= deleted === 1;
    }
    return removed;
  }

  async purgeUser(userId: string): Promise<void> {
    for (const [provider, subject] of await this.#members(userId)) {
      await this.#deadline.run(() =>
        unlinkScript.run(this.#redis, [this.#linkKey(provider, subject)], [userId]),
      );
    }
    await this.#deadline.run(() => this.#redis.del(this.#userKey(userId)));
  }
}
