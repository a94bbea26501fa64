import type { Clock, SecurityEventHandler } from '@rampart/core';
import { clockSchema } from '@rampart/core';
import { z } from 'zod';
import { NEVER_REPLAYED_HEADERS, type ResponseSealer } from './response.js';
import { type IdempotencyStore, MAX_IDEMPOTENCY_TTL_MS, MAX_RESPONSE_BYTES } from './store.js';

/** Options of `createIdempotency`. */
export interface IdempotencyOptions {
  /** Where records live. Default a `MemoryIdempotencyStore` (one process). */
  store?: IdempotencyStore;
  /** How long a completed response is kept and replayed, in ms. Default 86 400 000 (24 h, as Stripe). */
  retentionMs?: number;
  /**
   * How long the first request holds the key before a crashed handler frees it, in ms. Longer
   * than the route's slowest handler: a response completed after its lease ran out is not kept.
   * Default 60 000.
   */
  leaseMs?: number;
  /**
   * Largest response body kept, in bytes (0 to 16 MiB). A larger response reaches the client but
   * is not kept: its retries get 409 `ERR_IDEMPOTENCY_RESPONSE_NOT_KEPT` and do not run again.
   * Default 1 048 576 (1 MiB).
   */
  maxResponseBytes?: number;
  /**
   * What a key is unique within: `'principal'` (default; the same key on another route is a
   * reuse, 422) or `'route'` (each method and route has its own keys).
   */
  scope?: 'principal' | 'route';
  /**
   * Who a key belongs to: `'user'` (default; `auth.userId`, so a retry may come with another of
   * the user's credentials) or `'credential'` (`auth.method` and `auth.credentialId`: each API
   * key or session has its own keys).
   */
  principal?: 'user' | 'credential';
  /**
   * Response headers replayed besides `content-type`, `content-language`, `content-location`,
   * `location`, `etag` and `last-modified`. `set-cookie` and framing headers are never kept.
   */
  replayHeaders?: readonly string[];
  /**
   * Seals stored responses (AES-256-GCM through a `KeyRing` of `@rampart/crypto`). Give one when
   * a response holds a secret (a created API key): without it the store holds the body in clear.
   */
  sealer?: ResponseSealer;
  clock?: Clock;
  /** Receives `IDEMPOTENCY_CONFLICT` (422, 409, a lost lease) and `STORE_UNAVAILABLE` events. */
  onEvent?: SecurityEventHandler;
}

const storeSchema = z.custom<IdempotencyStore>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['claim', 'complete', 'release', 'purgeUser'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    ),
  'must be an IdempotencyStore (claim, complete, release, purgeUser)',
);

const sealerSchema = z.custom<ResponseSealer>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { seal?: unknown }).seal === 'function' &&
    typeof (value as { open?: unknown }).open === 'function',
  'must have seal() and open() methods, as a KeyRing of @rampart/crypto has',
);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The schema `createIdempotency` parses its options with. */
export const idempotencyOptionsSchema = z.strictObject({
  store: storeSchema.optional(),
  retentionMs: z.number().int().min(1000).max(MAX_IDEMPOTENCY_TTL_MS).default(86_400_000),
  leaseMs: z.number().int().min(100).max(MAX_IDEMPOTENCY_TTL_MS).default(60_000),
  maxResponseBytes: z
    .number()
    .int()
    .min(0)
    .max(MAX_RESPONSE_BYTES)
    .default(1024 * 1024),
  scope: z.enum(['principal', 'route']).default('principal'),
  principal: z.enum(['user', 'credential']).default('user'),
  replayHeaders: z
    .array(
      z
        .string()
        .regex(HEADER_NAME, 'must be header names')
        .refine(
          (name) => !NEVER_REPLAYED_HEADERS.has(name.toLowerCase()),
          'must not list set-cookie, framing headers or idempotency-replayed',
        ),
    )
    .readonly()
    .default([]),
  sealer: sealerSchema.optional(),
  clock: clockSchema.optional(),
  onEvent: z.custom<SecurityEventHandler>((value) => typeof value === 'function').optional(),
});
