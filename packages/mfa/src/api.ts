/** The public surface of `createMfa`: the service and what its methods answer. */

/** What `setup` returns: the otpauth URI and the same as a QR code, PNG data URL and SVG. */
export interface MfaSetup {
  readonly otpauthUrl: string;
  readonly qrCodeDataUrl: string;
  readonly qrCodeSvg: string;
}

/** A second factor passed: how, when (epoch ms, for the auth context's `mfaAt`). */
export interface MfaVerification {
  readonly userId: string;
  readonly method: 'totp' | 'recovery-code';
  readonly at: number;
  /** Unused recovery codes left, after a recovery code was used. */
  readonly recoveryCodesRemaining?: number;
}

/** A user's MFA state, without anything secret. */
export interface MfaStatus {
  readonly enabled: boolean;
  /** A setup waits for its first code. */
  readonly pending: boolean;
  readonly recoveryCodesRemaining: number;
  /** Epoch ms the lock ends, while one holds. */
  readonly lockedUntil?: number;
}

/** A login's second step: the token to send back with the code. */
export interface MfaChallenge {
  readonly mfaToken: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** Options of {@link Mfa.verify}. */
export interface VerifyCodeOptions {
  /** Accept a recovery code as well as a TOTP code; default `true`. */
  recoveryCodes?: boolean;
}

/** The second factor of an application; see {@link createMfa}. */
export interface Mfa {
  /** Digits of a TOTP code. */
  readonly digits: number;
  /** The user's state: enabled, pending, recovery codes left, lock. */
  status(userId: string): Promise<MfaStatus>;
  /**
   * Starts (or restarts) enrolment: a new secret of at least 160 bits, sealed and pending until
   * {@link Mfa.enable} confirms a code from it; its otpauth URI and QR codes. `accountLabel` is
   * what the app shows under the issuer (the user's email). 409 `ERR_MFA_ALREADY_ENABLED` when
   * enabled. The secret is in this answer only; it is never returned again.
   */
  setup(userId: string, accountLabel: string): Promise<MfaSetup>;
  /**
   * Confirms the pending setup with a code from it: MFA is on, that code's step is the last
   * accepted one, and the 10 recovery codes are returned (their hashes are what is kept).
   */
  enable(userId: string, code: unknown): Promise<{ recoveryCodes: string[] }>;
  /**
   * Checks a TOTP code (accepted once: a step at or before the last accepted one is 401
   * `ERR_MFA_CODE_REPLAYED`) or a recovery code (consumed). Wrong codes count towards the lock
   * (429 `ERR_MFA_LOCKED`, during which the right code fails too). 400 for a malformed code.
   */
  verify(userId: string, code: unknown, options?: VerifyCodeOptions): Promise<MfaVerification>;
  /** Verifies `code`, then turns MFA off and forgets the user's trusted devices. */
  disable(userId: string, code: unknown): Promise<void>;
  /** Verifies `code`, then replaces the recovery codes with a new set, returned once. */
  regenerateRecoveryCodes(userId: string, code: unknown): Promise<{ recoveryCodes: string[] }>;
  /**
   * Whether a login of `userId` needs the second step: MFA is on and `deviceToken` (a trusted
   * device cookie, if any) is not a trusted device of this user.
   */
  needsChallenge(userId: string, deviceToken?: string): Promise<boolean>;
  /** A login's single-use `mfaToken`, live for `challengeSeconds`, stored as a keyed hash. */
  createChallenge(userId: string): Promise<MfaChallenge>;
  /**
   * Verifies `code` for the user of `mfaToken`; on success the token is spent (one success per
   * token, whatever the concurrency). 401 `ERR_MFA_TOKEN_INVALID` for a bad, expired or spent
   * token; a wrong code leaves the token usable (the lock bounds the guesses).
   */
  completeChallenge(mfaToken: unknown, code: unknown): Promise<MfaVerification>;
  /** Right to erasure: every trace of the user in the store. */
  purgeUser(userId: string): Promise<void>;
}
