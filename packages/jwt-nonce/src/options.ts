import { type Clock, clockSchema, type SecurityEventHandler } from '@rampart/core';
import { z } from 'zod';
import type { JwtKeyInput } from './keys/key-ring.js';
import type { JwtNonceStore } from './store.js';
import { DEFAULT_MAX_TOKEN_BYTES } from './verify/verifier.js';

/**
 * How token ids are tracked:
 * - `'tracked'` (default): every issued jti is recorded with its expiry; a token the store does
 *   not know is refused. Logout and reuse detection need no token list, and a token leaked from
 *   a backup of another environment is useless.
 * - `'deny-list'`: only revocations are written; issuing costs no store write. A verification
 *   still reads the store once (revocation, family, user watermark).
 */
export type TrackingMode = 'tracked' | 'deny-list';

/** Options of `createJwtNonce`. */
export interface JwtNonceOptions {
  /** The `iss` of every token, checked on every verification. */
  issuer: string;
  /** The `aud` of every token, checked on every verification. */
  audience: string;
  /** The key ring: each key bound to one algorithm; see `generateJwtKey`. */
  keys: readonly JwtKeyInput[];
  /** The `kid` that signs new tokens; default the first key able to sign. */
  signingKeyId?: string;
  /** Where token state lives. Default a `MemoryJwtNonceStore` (one process only). */
  store?: JwtNonceStore;
  /** Default `'tracked'`. */
  mode?: TrackingMode;
  /** Access token lifetime in seconds, 30 to 86 400; default 900 (15 minutes). */
  accessTokenTtlSeconds?: number;
  /** Refresh token lifetime in seconds, 60 to 31 536 000; default 604 800 (7 days). */
  refreshTokenTtlSeconds?: number;
  /** Clock skew accepted on `exp`, `nbf` and `iat`, 0 to 60 seconds; default 30. */
  clockToleranceSeconds?: number;
  /** Tokens longer than this are refused unparsed; 512 to 65 536, default 8192. */
  maxTokenBytes?: number;
  /**
   * `'low-s'` (default): an ES256 signature must have `s ≤ n/2`, as issued here, so a token has
   * one valid string. `'any'`: also accept (r, n − s), as WebCrypto and jose do; revocation and
   * refresh reuse are keyed by jti, so a malleated token stays revoked or spent either way.
   */
  es256Signatures?: 'low-s' | 'any';
  clock?: Clock;
  /** Security events: `TOKEN_ISSUED`, `TOKEN_REFRESHED`, `TOKEN_REVOKED`, `TOKEN_REUSE`, `INVALID_TOKEN`. */
  onEvent?: SecurityEventHandler;
}

const ISSUER = z.string().min(1).max(256);

export const optionsSchema = z
  .strictObject({
    issuer: ISSUER,
    audience: ISSUER,
    keys: z.array(z.custom<JwtKeyInput>((value) => typeof value === 'object' && value !== null)),
    signingKeyId: z.string().optional(),
    store: z
      .custom<JwtNonceStore>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          ['record', 'lookup', 'spend', 'revoke', 'revokeFamily', 'revokeAllForUser'].every(
            (method) => typeof (value as Record<string, unknown>)[method] === 'function',
          ),
        'must implement JwtNonceStore',
      )
      .optional(),
    mode: z.enum(['tracked', 'deny-list']).default('tracked'),
    accessTokenTtlSeconds: z.number().int().min(30).max(86_400).default(900),
    refreshTokenTtlSeconds: z.number().int().min(60).max(31_536_000).default(604_800),
    clockToleranceSeconds: z.number().int().min(0).max(60).default(30),
    maxTokenBytes: z.number().int().min(512).max(65_536).default(DEFAULT_MAX_TOKEN_BYTES),
    es256Signatures: z.enum(['low-s', 'any']).default('low-s'),
    clock: clockSchema.optional(),
    onEvent: z.custom<SecurityEventHandler>((value) => typeof value === 'function').optional(),
  })
  .refine((options) => options.refreshTokenTtlSeconds > options.accessTokenTtlSeconds, {
    message: 'refreshTokenTtlSeconds must be longer than accessTokenTtlSeconds',
    path: ['refreshTokenTtlSeconds'],
  });
