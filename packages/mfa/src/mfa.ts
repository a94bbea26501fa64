import {
  createEventEmitter,
  type EmitSecurityEvent,
  internalError,
  type RampartError,
  systemClock,
} from '@rampart/core';
import { compileTokenFormat, parseToken, randomToken } from '@rampart/crypto';
import QRCode from 'qrcode';
import type {
  Mfa,
  MfaChallenge,
  MfaSetup,
  MfaStatus,
  MfaVerification,
  VerifyCodeOptions,
} from './api.js';
import { type ParsedCode, parseCode } from './code-format.js';
import {
  alreadyEnabledError,
  invalidChallengeError,
  invalidCodeError,
  lockedError,
  malformedCodeError,
  notEnabledError,
  notPendingError,
  replayedCodeError,
} from './errors.js';
import { type MfaOptions, resolveMfaOptions } from './options.js';
import { otpauthUri } from './otpauth.js';
import { generateRecoveryCodes } from './recovery-codes.js';
import { SealedSecretCache } from './secret-cache.js';
import {
  type AttemptContext,
  type CountedFailure,
  type LockedAnswer,
  MAX_USER_ID_LENGTH,
} from './store.js';
import { generateTotpSecret, matchingTimeStep } from './totp.js';

const SOURCE = '@rampart/mfa';
/** How many users' sealed secrets stay cached for one-round-trip verification. */
const SECRET_CACHE_ENTRIES = 10_000;
// Compiled once: parseToken then skips validating the format on every challenge.
const CHALLENGE_TOKEN = compileTokenFormat({ prefix: 'mfa', bytes: 32 });

/** Throws `TypeError` for a user id that is no 1 to 256 characters: a bug of the caller, never input. */
function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
    throw new TypeError(
      `@rampart/mfa: a user id is a string of 1 to ${MAX_USER_ID_LENGTH} characters.`,
    );
  }
}

/** The AAD binding a sealed TOTP secret to its user and purpose. */
export function secretAad(userId: string): string {
  return `mfa-secret:${userId}`;
}

/**
 * Creates the second factor of an application: TOTP (through otplib) whose codes are accepted
 * once, hashed single-use recovery codes, a per-user lock every route shares, login challenges,
 * trusted devices. Throws `RampartConfigError` naming the option for a bad one.
 *
 * @example
 * const mfa = createMfa({ store: new MemoryMfaStore(), keyRing, hasher, issuer: 'Acme' });
 * const { qrCodeDataUrl } = await mfa.setup(user.id, user.email);
 * const { recoveryCodes } = await mfa.enable(user.id, '123456');
 * await mfa.verify(user.id, req.body.code); // throws 400 / 401 / 429 RampartErrors
 */
export function createMfa(options: MfaOptions): Mfa {
  const config = resolveMfaOptions(options);
  const { store, keyRing, hasher, issuer, totp, lockout } = config;
  const clock = config.clock ?? systemClock;
  const emit: EmitSecurityEvent = createEventEmitter({
    source: SOURCE,
    clock,
    onEvent: config.onEvent,
  });
  const cache = new SealedSecretCache(SECRET_CACHE_ENTRIES);

  function context(): AttemptContext {
    return { policy: lockout, now: clock.now() };
  }

  function parsed(code: unknown, recoveryAccepted: boolean): ParsedCode {
    const result = parseCode(code, totp.digits, recoveryAccepted);
    if (result === undefined) throw malformedCodeError(totp.digits, recoveryAccepted);
    return result;
  }

  /** The step `code` matches under the sealed secret; the opened secret is wiped after. */
  function stepOf(userId: string, sealed: string, code: string, now: number): number | undefined {
    let secret: Uint8Array;
    try {
      secret = keyRing.open(sealed, { aad: secretAad(userId) });
    } catch (error) {
      // The sealed secret comes from our own store: a key retired before its secrets were
      // rewrapped, or a changed row, is the server's fault (500, logged), never the client's.
      throw internalError(error);
    }
    try {
      return matchingTimeStep(secret, code, now, totp);
    } finally {
      secret.fill(0);
    }
  }

  /** The refusal for a counted failure or a lock, with its event. */
  function refusal(
    userId: string,
    answer: CountedFailure | LockedAnswer,
    now: number,
  ): RampartError {
    if (answer.outcome === 'wrong') {
      emit({
        type: 'MFA_CHALLENGE_FAILED',
        severity: 'warning',
        code: 'ERR_MFA_CODE_INVALID',
        reason: 'wrong-code',
        userId,
        detail: { failures: answer.failures },
      });
      return invalidCodeError();
    }
    if (answer.engaged) {
      emit({
        type: 'MFA_CHALLENGE_FAILED',
        severity: 'critical',
        code: 'ERR_MFA_LOCKED',
        reason: 'lock-engaged',
        userId,
        detail: { lockedUntil: answer.lockedUntil },
      });
    } else {
      emit({
        type: 'MFA_CHALLENGE_FAILED',
        severity: 'warning',
        code: 'ERR_MFA_LOCKED',
        reason: 'locked',
        userId,
      });
    }
    return lockedError((answer.lockedUntil - now) / 1000);
  }

  function notEnabled(userId: string): RampartError {
    emit({
      type: 'MFA_CHALLENGE_FAILED',
      severity: 'warning',
      code: 'ERR_MFA_CODE_INVALID',
      reason: 'not-enabled',
      userId,
    });
    return invalidCodeError();
  }

  async function verifyTotp(userId: string, code: string): Promise<MfaVerification> {
    let sealed = cache.get(userId);
    // At most one retry: a `stale` answer carries the current secret.
    for (let round = 0; round < 2; round++) {
      const attemptContext = context();
      const step =
        sealed === undefined ? undefined : stepOf(userId, sealed, code, attemptContext.now);
      const answer = await store.attemptTotp(userId, { secret: sealed, step }, attemptContext);
      switch (answer.outcome) {
        case 'accepted':
          return { userId, method: 'totp', at: attemptContext.now };
        case 'replayed':
          emit({
            type: 'MFA_CHALLENGE_FAILED',
            severity: 'warning',
            code: 'ERR_MFA_CODE_REPLAYED',
            reason: 'replayed',
            userId,
          });
          throw replayedCodeError();
        case 'not-enabled':
          cache.delete(userId);
          throw notEnabled(userId);
        case 'stale':
          sealed = answer.secret;
          cache.set(userId, sealed);
          continue;
        default:
          throw refusal(userId, answer, attemptContext.now);
      }
    }
    // Two different secrets in a row: the user is being re-enrolled right now.
    throw invalidCodeError();
  }

  async function verifyRecoveryCode(userId: string, code: string): Promise<MfaVerification> {
    const attemptContext = context();
    const answer = await store.attemptRecoveryCode(userId, hasher.hashAll(code), attemptContext);
    if (answer.outcome === 'not-enabled') throw notEnabled(userId);
    if (answer.outcome !== 'accepted') throw refusal(userId, answer, attemptContext.now);
    emit({
      type: 'MFA_RECOVERY_CODE_USED',
      severity: 'warning',
      userId,
      detail: { remaining: answer.remaining },
    });
    return {
      userId,
      method: 'recovery-code',
      at: attemptContext.now,
      recoveryCodesRemaining: answer.remaining,
    };
  }

  async function verify(
    userId: string,
    code: unknown,
    verifyOptions: VerifyCodeOptions = {},
  ): Promise<MfaVerification> {
    checkUserId(userId);
    const submitted = parsed(code, verifyOptions.recoveryCodes !== false);
    return submitted.kind === 'totp'
      ? verifyTotp(userId, submitted.code)
      : verifyRecoveryCode(userId, submitted.code);
  }

  function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
    const codes = generateRecoveryCodes();
    return { codes, hashes: codes.map((code) => hasher.hash(code)) };
  }

  return Object.freeze({
    digits: totp.digits,

    async status(userId: string): Promise<MfaStatus> {
      checkUserId(userId);
      const state = await store.read(userId, clock.now());
      return {
        enabled: state.secret !== undefined,
        pending: state.pending !== undefined,
        recoveryCodesRemaining: state.recoveryCodesRemaining,
        ...(state.lockedUntil === undefined ? {} : { lockedUntil: state.lockedUntil }),
      };
    },

    async setup(userId: string, accountLabel: string): Promise<MfaSetup> {
      checkUserId(userId);
      const secret = generateTotpSecret(config.secretBytes);
      try {
        const otpauthUrl = otpauthUri(secret, issuer, accountLabel, totp);
        const sealed = keyRing.seal(secret, { aad: secretAad(userId) });
        const now = clock.now();
        if ((await store.setPending(userId, sealed, now + config.pendingMs, now)) === 'enabled') {
          throw alreadyEnabledError();
        }
        const [qrCodeDataUrl, qrCodeSvg] = await Promise.all([
          QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M' }),
          QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M' }),
        ]);
        return { otpauthUrl, qrCodeDataUrl, qrCodeSvg };
      } finally {
        secret.fill(0);
      }
    },

    async enable(userId: string, code: unknown): Promise<{ recoveryCodes: string[] }> {
      checkUserId(userId);
      const submitted = parsed(code, false);
      const now = clock.now();
      const state = await store.read(userId, now);
      if (state.lockedUntil !== undefined) {
        throw refusal(
          userId,
          { outcome: 'locked', lockedUntil: state.lockedUntil, engaged: false },
          now,
        );
      }
      if (state.secret !== undefined) throw alreadyEnabledError();
      if (state.pending === undefined) throw notPendingError();
      const step = stepOf(userId, state.pending, submitted.code, now);
      if (step === undefined) {
        throw refusal(userId, await store.recordFailure(userId, context()), now);
      }
      const { codes, hashes } = newRecoveryCodes();
      const record = { secret: state.pending, step, recoveryCodeHashes: hashes };
      if ((await store.enable(userId, record, now)) !== 'enabled') throw notPendingError();
      cache.set(userId, state.pending);
      emit({ type: 'MFA_ENABLED', severity: 'info', userId });
      return { recoveryCodes: codes };
    },

    verify,

    async disable(userId: string, code: unknown): Promise<void> {
      checkUserId(userId);
      await verify(userId, code);
      if (!(await store.disable(userId))) throw notEnabledError();
      cache.delete(userId);
      await config.trustedDevices?.revokeAllForUser(userId);
      emit({ type: 'MFA_DISABLED', severity: 'warning', userId });
    },

    async regenerateRecoveryCodes(
      userId: string,
      code: unknown,
    ): Promise<{ recoveryCodes: string[] }> {
      await verify(userId, code);
      const { codes, hashes } = newRecoveryCodes();
      if (!(await store.replaceRecoveryCodes(userId, hashes))) throw notEnabledError();
      return { recoveryCodes: codes };
    },

    async needsChallenge(userId: string, deviceToken?: string): Promise<boolean> {
      checkUserId(userId);
      const state = await store.read(userId, clock.now());
      if (state.secret === undefined) return false;
      if (deviceToken === undefined || config.trustedDevices === undefined) return true;
      return !(await config.trustedDevices.verify(userId, deviceToken));
    },

    async createChallenge(userId: string): Promise<MfaChallenge> {
      checkUserId(userId);
      const mfaToken = randomToken(CHALLENGE_TOKEN);
      const now = clock.now();
      const expiresAt = now + config.challengeMs;
      await store.createChallenge(hasher.hash(mfaToken), userId, expiresAt, now);
      return { mfaToken, expiresAt };
    },

    async completeChallenge(mfaToken: unknown, code: unknown): Promise<MfaVerification> {
      const token = parseToken(mfaToken, CHALLENGE_TOKEN);
      if (token === undefined) throw invalidChallengeError();
      const submitted = parsed(code, true);
      const hashes = hasher.hashAll(token.token);
      const userId = await store.findChallenge(hashes, clock.now());
      if (userId === undefined) throw invalidChallengeError();
      const verification =
        submitted.kind === 'totp'
          ? await verifyTotp(userId, submitted.code)
          : await verifyRecoveryCode(userId, submitted.code);
      const spent = await Promise.all(
        hashes.map((hash) => store.consumeChallenge(hash, userId, clock.now())),
      );
      // The code was right but another request completed this token first: one success a token.
      if (!spent.includes(true)) throw invalidChallengeError();
      return verification;
    },

    async purgeUser(userId: string): Promise<void> {
      checkUserId(userId);
      cache.delete(userId);
      await store.purgeUser(userId);
    },
  });
}
