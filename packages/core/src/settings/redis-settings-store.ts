import { z } from 'zod';
import { parseOptions } from '../config.js';
import { RedisScript, type RedisScriptClient } from '../redis/script.js';
import { redisStoreOptionsShape } from '../redis/store-options.js';
import { createStoreDeadline, type StoreDeadline } from '../stores/store-deadline.js';
import {
  assertSettingsArguments,
  type SettingsStore,
  type StoredSettings,
} from './settings-store.js';

/** The part of an ioredis `Redis` or `Cluster` the settings store calls. */
export type RedisSettingsStoreClient = RedisScriptClient;

/** Options of {@link RedisSettingsStore}. */
export interface RedisSettingsStoreOptions {
  /** The application's ioredis `Redis` or `Cluster`. Rampart neither connects nor closes it. */
  redis: RedisSettingsStoreClient;
  /** Prepended to every key; default `rampart:settings:`. */
  keyPrefix?: string;
  /** How long a read or write may wait for Redis before `StoreUnavailableError`; default 1000. */
  commandTimeoutMs?: number;
}

const optionsSchema = z.strictObject(
  redisStoreOptionsShape<RedisSettingsStoreClient>({
    prefix: 'settings',
    methods: ['evalsha', 'eval'],
    commandTimeoutMs: 1000,
  }),
);

/** One hash per document (`version`, `data`): the version alone when the caller has it. */
const READ = new RedisScript(`
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return {'0'} end
if version == ARGV[1] then return {version} end
return {version, redis.call('HGET', KEYS[1], 'data')}
`);

/** Writes only over the expected version; answers the new version, or false. */
const COMPARE_AND_SET = new RedisScript(`
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[1]) then return false end
redis.call('HSET', KEYS[1], 'version', version + 1, 'data', ARGV[2])
return version + 1
`);

function toStored(reply: unknown): StoredSettings {
  const [version, data] = reply as [string, string | undefined];
  return data === undefined ? { version: Number(version) } : { version: Number(version), data };
}

function toVersion(reply: unknown): number | null {
  return typeof reply === 'number' ? reply : null;
}

/**
 * Settings documents on Redis, one hash a document (`<prefix><name>`: `version`, `data`). A read
 * is one `EVALSHA` answering the version alone while it is unchanged; a write is one atomic
 * compare-and-set script. Every process sharing the Redis sees a write on its next read. Fails
 * closed: `StoreUnavailableError` (503) within `commandTimeoutMs`. One key a call: Cluster-safe.
 *
 * @example
 * const settings = await createSecuritySettings({ store: new RedisSettingsStore({ redis }) });
 */
export class RedisSettingsStore implements SettingsStore {
  readonly #redis: RedisSettingsStoreClient;
  readonly #keyPrefix: string;
  readonly #deadline: StoreDeadline;

  constructor(options: RedisSettingsStoreOptions) {
    const parsed = parseOptions('RedisSettingsStore', optionsSchema, options);
    this.#redis = parsed.redis;
    this.#keyPrefix = parsed.keyPrefix;
    this.#deadline = createStoreDeadline({
      store: 'redis-settings-store',
      timeoutMs: parsed.commandTimeoutMs,
    });
  }

  /** See {@link SettingsStore.read}. */
  read(name: string, knownVersion: number): Promise<StoredSettings> {
    try {
      assertSettingsArguments(name, knownVersion);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.#keyPrefix + name;
    return this.#deadline.run(() => READ.run(this.#redis, [key], [String(knownVersion)]), toStored);
  }

  /** See {@link SettingsStore.compareAndSet}. */
  compareAndSet(name: string, expectedVersion: number, data: string): Promise<number | null> {
    try {
      assertSettingsArguments(name, expectedVersion, data);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.#keyPrefix + name;
    return this.#deadline.run(
      () => COMPARE_AND_SET.run(this.#redis, [key], [expectedVersion, data]),
      toVersion,
    );
  }
}
