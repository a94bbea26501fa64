import { z } from 'zod';
import { defaultRedisPrefix, redisKeyPrefixSchema } from './keys.js';

/**
 * Accepts the user's ioredis `Redis` or `Cluster` when it has every method the store calls.
 * Typed structurally by the store (`Client`), so no package imports ioredis.
 */
export function ioredisClientSchema<Client>(methods: readonly string[]) {
  return z.custom<Client>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    'must be an ioredis Redis or Cluster instance',
  );
}

/** What a Redis store says about itself for {@link redisStoreOptionsShape}. */
export interface RedisStoreDefaults {
  /** The package's part of the default key prefix: `nonce` → `rampart:nonce:`. */
  prefix: string;
  /** The ioredis methods the store calls, checked at construction. */
  methods: readonly string[];
  /** How long one command may take before the caller gets a 503. */
  commandTimeoutMs: number;
}

/**
 * The options every Rampart Redis store takes, as a zod shape to spread into the store's own
 * schema: `redis` (checked for `methods`), `keyPrefix` (default `rampart:<prefix>:`) and
 * `commandTimeoutMs` (1 to 60 000, default per store).
 *
 * @example
 * const optionsSchema = z.strictObject(
 *   redisStoreOptionsShape<RedisNonceStoreClient>({ prefix: 'nonce', methods: ['set'], commandTimeoutMs: 1000 }),
 * );
 */
export function redisStoreOptionsShape<Client>(defaults: RedisStoreDefaults) {
  return {
    redis: ioredisClientSchema<Client>(defaults.methods),
    keyPrefix: redisKeyPrefixSchema.default(defaultRedisPrefix(defaults.prefix)),
    commandTimeoutMs: z.number().int().min(1).max(60_000).default(defaults.commandTimeoutMs),
  };
}
