import { type Clock, clockSchema, parseOptions, type SecurityEventHandler } from '@rampart/core';
import type { KeyedHasher, KeyRing } from '@rampart/crypto';
import { z } from 'zod';
import { isOtpauthText } from './otpauth.js';
import type { LockoutPolicy, MfaStore } from './store.js';
import type { TotpAlgorithm, TotpSettings } from './totp.js';
import type { TrustedDevices } from './trusted-devices.js';

/** Options of {@link createMfa}. */
export interface MfaOptions {
  /** Where MFA state lives: `MemoryMfaStore`, `RedisMfaStore` or `PostgresMfaStore`. */
  store: MfaStore;
  /** Seals TOTP secrets (AAD `mfa-secret:<userId>`), from `@rampart/crypto`'s `createKeyRing`. */
  keyRing: KeyRing;
  /** Hashes recovery codes and challenge tokens, from `@rampart/crypto`'s `createKeyedHasher`. */
  hasher: KeyedHasher;
  /** The issuer the authenticator app shows (`Acme`); no colon. */
  issuer: string;
  /** How codes are made and checked. */
  totp?: {
    /** Default `'sha1'` (what every authenticator app supports). */
    algorithm?: TotpAlgorithm;
    /** Default 6. */
    digits?: 6 | 7 | 8;
    /** Seconds a code lives; default 30. */
    period?: number;
    /** Steps accepted either side of the current one, 0 to 2; default 1. */
    window?: number;
    /** Random bytes of a new secret, 20 (160 bits) to 64; default 20. */
    secretBytes?: number;
  };
  /** Wrong codes that lock a user's MFA checks; default 5 in 900 s lock for 900 s. */
  lockout?: {
    maxFailures?: number;
    windowSeconds?: number;
    lockSeconds?: number;
  };
  /** How long a setup waits for its first code; default 600 s. */
  pendingSeconds?: number;
  /** How long a login's `mfaToken` lives; default 300 s. */
  challengeSeconds?: number;
  /** The trusted-device registry that lets a remembered device skip the challenge (`@rampart/sessions`'). */
  trustedDevices?: TrustedDevices;
  clock?: Clock;
  onEvent?: SecurityEventHandler;
}

const functionSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'must be a function',
);

function hasMethods<T>(methods: readonly string[], what: string) {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    `must be ${what}`,
  );
}

const optionsSchema = z.strictObject({
  store: hasMethods<MfaStore>(
    [
      'read',
      'setPending',
      'enable',
      'attemptTotp',
      'attemptRecoveryCode',
      'recordFailure',
      'replaceRecoveryCodes',
      'disable',
      'createChallenge',
      'findChallenge',
      'consumeChallenge',
      'purgeUser',
    ],
    'an MfaStore (MemoryMfaStore, RedisMfaStore, PostgresMfaStore)',
  ),
  keyRing: hasMethods<KeyRing>(['seal', 'open'], "a key ring from @rampart/crypto's createKeyRing"),
  hasher: hasMethods<KeyedHasher>(
    ['hash', 'hashAll'],
    "a keyed hasher from @rampart/crypto's createKeyedHasher",
  ),
  issuer: z.string().refine(isOtpauthText, 'must be 1 to 256 characters without a colon'),
  totp: z
    .strictObject({
      algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha1'),
      digits: z.union([z.literal(6), z.literal(7), z.literal(8)]).default(6),
      period: z.number().int().min(15).max(120).default(30),
      window: z.number().int().min(0).max(2).default(1),
      secretBytes: z.number().int().min(20).max(64).default(20),
    })
    .default({ algorithm: 'sha1', digits: 6, period: 30, window: 1, secretBytes: 20 }),
  lockout: z
    .strictObject({
      maxFailures: z.number().int().min(1).max(100).default(5),
      windowSeconds: z.number().int().min(1).max(86_400).default(900),
      lockSeconds: z.number().int().min(1).max(86_400).default(900),
    })
    .default({ maxFailures: 5, windowSeconds: 900, lockSeconds: 900 }),
  pendingSeconds: z.number().int().min(60).max(86_400).default(600),
  challengeSeconds: z.number().int().min(30).max(3600).default(300),
  trustedDevices: hasMethods<TrustedDevices>(
    ['verify', 'revokeAllForUser'],
    'an object with verify(userId, deviceToken) and revokeAllForUser(userId)',
  ).optional(),
  clock: clockSchema.optional(),
  onEvent: functionSchema.optional(),
});

/** The options once parsed: defaults filled in, units turned to ms. */
export interface ResolvedMfaOptions {
  readonly store: MfaStore;
  readonly keyRing: KeyRing;
  readonly hasher: KeyedHasher;
  readonly issuer: string;
  readonly totp: TotpSettings;
  readonly secretBytes: number;
  readonly lockout: LockoutPolicy;
  readonly pendingMs: number;
  readonly challengeMs: number;
  readonly trustedDevices: TrustedDevices | undefined;
  readonly clock: Clock | undefined;
  readonly onEvent: SecurityEventHandler | undefined;
}

/** Validates `options` (throwing `RampartConfigError` naming the option) and resolves defaults. */
export function resolveMfaOptions(options: MfaOptions): ResolvedMfaOptions {
  const parsed = parseOptions('createMfa', optionsSchema, options);
  const { secretBytes, ...totp } = parsed.totp;
  return Object.freeze({
    store: parsed.store,
    keyRing: parsed.keyRing,
    hasher: parsed.hasher,
    issuer: parsed.issuer,
    totp: Object.freeze(totp),
    secretBytes,
    lockout: Object.freeze({
      maxFailures: parsed.lockout.maxFailures,
      windowMs: parsed.lockout.windowSeconds * 1000,
      lockMs: parsed.lockout.lockSeconds * 1000,
    }),
    pendingMs: parsed.pendingSeconds * 1000,
    challengeMs: parsed.challengeSeconds * 1000,
    trustedDevices: parsed.trustedDevices,
    clock: parsed.clock,
    onEvent: parsed.onEvent as SecurityEventHandler | undefined,
  });
}
