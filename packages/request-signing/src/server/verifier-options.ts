import type { Clock, NonceStore, SecurityEventHandler } from '@rampart/core';
import { z } from 'zod';
import type { SignatureScheme } from '../shared/parsed-signature.js';
import type { GetSigningSecrets } from './secrets.js';

/** Options of {@link createRequestVerifier}. */
export interface RequestVerifierOptions {
  /** The secrets of a key id; see {@link GetSigningSecrets}. */
  getSecrets: GetSigningSecrets;
  /** Where accepted nonces are remembered: `MemoryNonceStore`, `RedisNonceStore`, `PostgresNonceStore`. */
  nonceStore: NonceStore;
  /** Oldest accepted signature, in ms before now. Default 300 000 (5 min). */
  maxAgeMs?: number;
  /** Furthest accepted signature, in ms after now (the signer's clock runs ahead). Default 300 000. */
  maxFutureMs?: number;
  /** Schemes accepted. Default both: `['rampart-v1', 'rfc9421']`. */
  schemes?: readonly SignatureScheme[];
  /** RFC 9421 settings: `origin` (for `@target-uri`, `@authority`, `@scheme`) and `label`. */
  rfc9421?: { origin?: string; label?: string };
  /**
   * Receives a security event for every refused request: `INVALID_SIGNATURE` (headers missing or
   * malformed, a signature that does not verify), `INVALID_NONCE` (a replayed nonce, a timestamp
   * outside the window). `code` is the refusal's `ERR_*` code, `reason` says why.
   */
  onEvent?: SecurityEventHandler;
  clock?: Clock;
}

const DAY_MS = 86_400_000;

/** Checks {@link RequestVerifierOptions} at start-up and fills in the defaults. */
export const requestVerifierOptionsSchema = z.strictObject({
  getSecrets: z.custom<GetSigningSecrets>(
    (v) => typeof v === 'function',
    'must be a function (keyId) => secrets',
  ),
  nonceStore: z.custom<NonceStore>(
    (v) => typeof v === 'object' && v !== null && typeof (v as NonceStore).claim === 'function',
    'must be a NonceStore (MemoryNonceStore, RedisNonceStore, PostgresNonceStore)',
  ),
  maxAgeMs: z.number().int().min(1000).max(DAY_MS).default(300_000),
  maxFutureMs: z.number().int().min(0).max(DAY_MS).default(300_000),
  schemes: z
    .array(z.enum(['rampart-v1', 'rfc9421']))
    .min(1)
    .default(['rampart-v1', 'rfc9421']),
  rfc9421: z
    .strictObject({
      origin: z
        .string()
        .regex(
          /^https?:\/\/[a-z0-9.-]+(?::[0-9]{1,5})?$/,
          'must be an origin such as https://api.example.com',
        )
        .optional(),
      label: z
        .string()
        .regex(/^[a-z*][a-z0-9_.*-]{0,63}$/, 'must be a structured-field key')
        .optional(),
    })
    .default({}),
  onEvent: z
    .custom<SecurityEventHandler>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  clock: z
    .custom<Clock>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function',
      'must have now()',
    )
    .optional(),
});
