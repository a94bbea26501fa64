import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@rampart/crypto';
import { generateSync } from 'otplib';
import { nodeCryptoPlugin } from './node-crypto-plugin.js';

/** The hash of the TOTP HMAC (RFC 6238 allows all three; authenticator apps expect SHA-1). */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** How codes are made and checked; the otpauth URI tells the authenticator app the same. */
export interface TotpSettings {
  readonly algorithm: TotpAlgorithm;
  /** Digits of a code: 6 (the default, what every app shows), 7 or 8. */
  readonly digits: 6 | 7 | 8;
  /** Seconds of one time step; default 30. */
  readonly period: number;
  /** Steps accepted either side of the current one; default 1 (ASVS 6.5.5, see docs/mfa.md). */
  readonly window: number;
}

/** RFC 6238 §4 with T0 = 0: the time step `epochMs` falls in. */
export function timeStepAt(epochMs: number, period: number): number {
  return Math.floor(epochMs / 1000 / period);
}

/** A fresh TOTP secret of `bytes` random bytes (at least 20: 160 bits, RFC 4226 §4 R6). */
export function generateTotpSecret(bytes: number): Uint8Array {
  return new Uint8Array(randomBytes(bytes));
}

/** The code of `secret` at time step `step` (otplib's HOTP of the step counter). */
export function totpCodeAt(secret: Uint8Array, step: number, settings: TotpSettings): string {
  return generateSync({
    secret,
    epoch: step * settings.period,
    period: settings.period,
    algorithm: settings.algorithm,
    digits: settings.digits,
    crypto: nodeCryptoPlugin,
  });
}

/**
 * The highest time step within `settings.window` of `now` whose code is `code`, or `undefined`.
 * Highest first: were two steps of the window to share a code (odds 10^-digits), the later one is
 * the one the replay guard must remember, so the same code cannot pass again as the later step.
 * It stops at the first match, as otplib's `verify` does: the time taken can tell which step of
 * the window matched, which the submitter of a right code knows anyway; each comparison itself is
 * constant-time.
 */
export function matchingTimeStep(
  secret: Uint8Array,
  code: string,
  nowMs: number,
  settings: TotpSettings,
): number | undefined {
  const current = timeStepAt(nowMs, settings.period);
  const lowest = Math.max(0, current - settings.window);
  for (let step = current + settings.window; step >= lowest; step--) {
    if (constantTimeEqual(totpCodeAt(secret, step, settings), code)) return step;
  }
  return undefined;
}
