import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { redisUrl } from './services.js';

/**
 * A key prefix no other test (file, run or machine sharing the server) uses, and the means to
 * delete everything written under it.
 */
export interface IsolatedRedisPrefix {
  /** `rampart-test:<random>:`: pass it as the store's `keyPrefix`. */
  readonly prefix: string;
  /** Deletes every key under `prefix` (SCAN + DEL, never KEYS, never FLUSHDB). */
  cleanup(): Promise<void>;
}

/** A fresh `rampart-test:<16 hex>:` prefix. Hex only, so it is never a SCAN glob pattern. */
export function randomRedisPrefix(): string {
  return `rampart-test:${randomBytes(8).toString('hex')}:`;
}

/** Deletes every key starting with `prefix`, in batches, on `redis`. */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9:_-]+$/.test(prefix)) {
    // A glob character would widen the match to other tests' keys.
    throw new Error(`deleteRedisPrefix: refusing a prefix with glob characters: ${prefix}`);
  }
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * Reserves an isolated prefix on `redis`; `cleanup()` removes its keys.
 *
 * @example
 * const { prefix, cleanup } = isolatedRedisPrefix(redis);
 * afterAll(cleanup);
 */
export function isolatedRedisPrefix(redis: Redis): IsolatedRedisPrefix {
  const prefix = randomRedisPrefix();
  return { prefix, cleanup: async () => void (await deleteRedisPrefix(redis, prefix)) };
}

/**
 * `REDIS_URL` as ioredis options. ioredis lets a URL argument override the options object, so
 * a test that points a client elsewhere (at a proxy) has to merge options instead.
 */
export function redisUrlOptions(url = redisUrl()): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    db: Number(parsed.pathname.slice(1) || 0),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/**
 * An ioredis client on `REDIS_URL`; `options` win (e.g. `{ port: proxy.port }`). It has an
 * `error` listener so a test that takes a server away does not flood the output with ioredis'
 * "Unhandled error event" lines.
 */
export function createRedisClient(options: RedisOptions = {}): Redis {
  const client = new Redis({ ...redisUrlOptions(), ...options });
  client.on('error', () => {});
  return client;
}
