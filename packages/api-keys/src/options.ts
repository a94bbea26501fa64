import { type Clock, clockSchema, type SecurityEventHandler } from '@rampart/core';
import type { KeyInput, KeyRing } from '@rampart/crypto';
import type { RateLimitStore } from '@rampart/rate-limit';
import { z } from 'zod';
import type { FailureThrottleOptions } from './failure-throttle.js';
import type { ApiKeyFormatOptions } from './format.js';
import type { ApiKeyStore } from './store.js';

const DAY_MS = 86_400_000;

/** Options of `createApiKeys`. */
export interface ApiKeysOptions {
  /** Where keys live: `MemoryApiKeyStore`, `RedisApiKeyStore`, `PostgresApiKeyStore` or yours. */
  store: ApiKeyStore;
  /**
   * The peppers of the stored keyed hashes (HMAC-SHA256), current first: 32-byte keys with ids,
   * as `createKeyedHasher` of `@rampart/crypto` takes them. To rotate, put a new one first and
   * keep the old ones until every key was rotated: a key hashed under an old pepper verifies
   * while that pepper is listed.
   */
  peppers: readonly KeyInput[];
  /**
   * Seals each key's request-signing secret (`@rampart/crypto`'s key ring). Without it, keys
   * have no signing secret.
   */
  keyRing?: KeyRing;
  /** The key format: prefix, environments, secret size. */
  format?: ApiKeyFormatOptions;
  /** How long after creation or rotation a key is due for rotation; `0` for never. Default 90 days. */
  rotationPeriodMs?: number;
  /** How long the old key keeps working after a rotation, by default. Default 1 day. */
  defaultGraceMs?: number;
  /** The longest grace a rotation may ask for. Default 7 days. */
  maxGraceMs?: number;
  /**
   * Throttling of failed verifications per client address (see `FailureThrottle`); `false` to
   * turn it off. Default 20 failures a minute per address, counted in this process's memory.
   */
  failureThrottle?: FailureThrottleOptions | false;
  /** Delay before noted `lastUsedAt` writes are flushed, ms; `0` leaves it to `flush()`. Default 1000. */
  lastUsedFlushMs?: number;
  clock?: Clock;
  /** Security events: refusals, creation, rotation, revocation, compromise reports, rotation due. */
  onEvent?: SecurityEventHandler;
}

const keyRingSchema = z.custom<KeyRing>(
  (value) =>
    typeof (value as Partial<KeyRing> | null)?.seal === 'function' &&
    typeof (value as Partial<KeyRing> | null)?.openText === 'function',
  'must be a key ring from createKeyRing()',
);

const storeSchema = z.custom<ApiKeyStore>(
  (value) =>
    typeof (value as Partial<ApiKeyStore> | null)?.verify === 'function' &&
    typeof (value as Partial<ApiKeyStore> | null)?.create === 'function',
  'must be an ApiKeyStore (MemoryApiKeyStore, RedisApiKeyStore, PostgresApiKeyStore)',
);

const rateLimitStoreSchema = z.custom<RateLimitStore>(
  (value) => typeof (value as Partial<RateLimitStore> | null)?.hit === 'function',
  'must be a RateLimitStore of @rampart/rate-limit',
);

const ms = (max: number) => z.number().int().min(0).max(max);

export const apiKeysOptionsSchema = z
  .strictObject({
    store: storeSchema,
    peppers: z.array(z.unknown()).min(1, 'must hold at least one pepper'),
    keyRing: keyRingSchema.optional(),
    format: z.unknown().optional(),
    rotationPeriodMs: ms(3660 * DAY_MS).default(90 * DAY_MS),
    defaultGraceMs: ms(366 * DAY_MS).default(DAY_MS),
    maxGraceMs: ms(366 * DAY_MS).default(7 * DAY_MS),
    failureThrottle: z
      .union([
        z.literal(false),
        z.strictObject({
          store: rateLimitStoreSchema.optional(),
          limit: z.number().int().min(1).max(1_000_000).optional(),
          windowMs: z
            .number()
            .int()
            .min(1000)
            .max(DAY_MS)
            .refine((value) => value % 1000 === 0, 'must be a whole number of seconds')
            .optional(),
        }),
      ])
      .default({}),
    lastUsedFlushMs: ms(60_000).default(1000),
    clock: clockSchema.optional(),
    onEvent: z.custom<SecurityEventHandler>((value) => typeof value === 'function').optional(),
  })
  .refine((options) => options.defaultGraceMs <= options.maxGraceMs, {
    message: 'must not be longer than maxGraceMs',
    path: ['defaultGraceMs'],
  });
