import {
  type Clock,
  CONFIG_ERROR_CODES,
  clockSchema,
  configCode,
  decodeBase64url,
  parseOptions,
} from '@rampart/core';
import type { KeyRing } from '@rampart/crypto';
import { z } from 'zod';
import type { Checkpoint } from './chain.js';
import type { AuditMirror } from './mirror.js';
import type { AuditStore } from './store.js';

/** Options of {@link createAuditTrail}. */
export interface AuditTrailOptions {
  /**
   * The chain key: at least 32 random bytes, as a `Uint8Array` or unpadded base64url. Whoever holds
   * it can verify the trail, and could forge it: keep it out of the database.
   */
  hmacKey: Uint8Array | string;
  /** Seals each user's record key (`@rampart/crypto`'s `createKeyRing`). */
  keyRing: KeyRing;
  /** Where records live. Default a `MemoryAuditStore` (bounded, this process only). */
  store?: AuditStore | undefined;
  /**
   * This writer's chain: 1 to 64 of `A-Z a-z 0-9 _ . : -`. Default `main`. Give each process its
   * own (`api-1`, `api-2`) so writers never wait for each other; two writers on one chain still
   * work, re-linking a batch when the other wrote first.
   */
  chainId?: string | undefined;
  /** Most records written in one transaction. Default 500 (1 to 5 000). */
  batchSize?: number | undefined;
  /** How often queued events are written, ms. Default 100 (1 to 60 000). */
  flushIntervalMs?: number | undefined;
  /** Events held one by one before folding into counts. Default 10 000 (1 to 1 000 000). */
  maxQueue?: number | undefined;
  /** Distinct (type, actor, window) counts held during a flood. Default 1 000 (1 to 100 000). */
  maxAggregates?: number | undefined;
  /** Window of a count, ms. Default 60 000 (1 000 to 3 600 000). */
  aggregateWindowMs?: number | undefined;
  /** A checkpoint at least every this many records. Default 10 000 (1 to 1 000 000). */
  checkpointEvery?: number | undefined;
  /** A checkpoint at least this often while records are written, ms. Default 60 000. */
  checkpointIntervalMs?: number | undefined;
  /** Also writes each committed record there (a JSON-lines file or stdout). */
  mirrors?: readonly AuditMirror[] | undefined;
  /** Sees each checkpoint once stored: keep a copy elsewhere to catch a truncation of both. */
  onCheckpoint?: ((checkpoint: Checkpoint) => void) | undefined;
  /**
   * Sees each failure to write (the store is down; the batch is kept and retried with backoff).
   * Default: one process warning `RAMPART_AUDIT_WRITE_FAILED`, later ones silent.
   */
  onError?: ((error: unknown) => void) | undefined;
  /** First retry delay after a failed write, ms, doubled up to 30 s. Default 200. */
  retryDelayMs?: number | undefined;
  /** Records read per round trip by `verify()`. Default 5 000. */
  verifyPageSize?: number | undefined;
  clock?: Clock | undefined;
}

const MIN_KEY_BYTES = 32;

const hmacKeySchema = z.unknown().transform((value, ctx) => {
  const bytes =
    value instanceof Uint8Array
      ? Buffer.from(value)
      : typeof value === 'string'
        ? decodeBase64url(value)
        : undefined;
  if (bytes === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a Uint8Array or unpadded base64url text of at least 32 random bytes.',
      ...configCode(CONFIG_ERROR_CODES.invalidType),
    });
    return z.NEVER;
  }
  if (bytes.length < MIN_KEY_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `must be at least ${MIN_KEY_BYTES} bytes.`,
      ...configCode(CONFIG_ERROR_CODES.secretTooShort),
    });
    return z.NEVER;
  }
  return bytes;
});

const keyRingSchema = z.custom<KeyRing>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeyRing).seal === 'function' &&
    typeof (value as KeyRing).open === 'function',
  'must be a key ring from @rampart/crypto createKeyRing()',
);

const storeSchema = z.custom<AuditStore>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AuditStore).append === 'function' &&
    typeof (value as AuditStore).readChain === 'function',
  'must be an AuditStore (MemoryAuditStore, PostgresAuditStore or your own)',
);

const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

export const auditTrailOptionsSchema = z.strictObject({
  hmacKey: hmacKeySchema,
  keyRing: keyRingSchema,
  store: storeSchema.optional(),
  chainId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 of A-Z a-z 0-9 _ . : -')
    .default('main'),
  batchSize: int(1, 5000, 500),
  flushIntervalMs: int(1, 60_000, 100),
  maxQueue: int(1, 1_000_000, 10_000),
  maxAggregates: int(1, 100_000, 1000),
  aggregateWindowMs: int(1000, 3_600_000, 60_000),
  checkpointEvery: int(1, 1_000_000, 10_000),
  checkpointIntervalMs: int(1, 86_400_000, 60_000),
  mirrors: z
    .array(
      z.custom<AuditMirror>(
        (value) => typeof (value as AuditMirror | null)?.write === 'function',
        'must have a write(rows) method',
      ),
    )
    .default([]),
  onCheckpoint: z
    .custom<(checkpoint: Checkpoint) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  onError: z
    .custom<(error: unknown) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  retryDelayMs: int(1, 30_000, 200),
  verifyPageSize: int(1, 100_000, 5000),
  clock: clockSchema.optional(),
});

export type ParsedAuditTrailOptions = Readonly<z.output<typeof auditTrailOptionsSchema>>;

export function parseAuditTrailOptions(options: AuditTrailOptions): ParsedAuditTrailOptions {
  return parseOptions('createAuditTrail', auditTrailOptionsSchema, options);
}
