import { RampartError } from '@rampart/core';

/**
 * Why a code was refused, for events and logs only: the client sees one of the codes below and
 * nothing that tells a wrong code from an unknown user.
 */
export type MfaFailureReason = 'wrong-code' | 'replayed' | 'locked' | 'not-enabled';

/** 400: the code is not exactly the configured digits (or a recovery code where one is accepted). */
export function malformedCodeError(digits: number, recoveryAccepted: boolean): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_MFA_CODE_MALFORMED',
    title: 'Bad request',
    detail: recoveryAccepted
      ? `Send the ${digits}-digit code from the authenticator app, or a recovery code (xxxxx-xxxxx).`
      : `Send the ${digits}-digit code from the authenticator app.`,
  });
}

/** 401: a well-formed code that is not the user's (or the user has no second factor). */
export function invalidCodeError(): RampartError {
  return new RampartError({
    status: 401,
    code: 'ERR_MFA_CODE_INVALID',
    title: 'Unauthorized',
    detail: 'The code is not valid. Enter the current code from the authenticator app.',
  });
}

/** 401: a TOTP code of a time step at or before the last one accepted for this user. */
export function replayedCodeError(): RampartError {
  return new RampartError({
    status: 401,
    code: 'ERR_MFA_CODE_REPLAYED',
    title: 'Unauthorized',
    detail: 'This code was already used. Wait for the next code from the authenticator app.',
  });
}

/** 429: too many wrong codes; every MFA check of the user is refused until the lock ends. */
export function lockedError(retryAfterSeconds: number): RampartError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new RampartError({
    status: 429,
    code: 'ERR_MFA_LOCKED',
    title: 'Too many requests',
    detail: `Too many wrong codes. Second-factor checks are locked; retry after ${seconds} seconds.`,
    headers: { 'Retry-After': String(seconds) },
    extensions: { retryAfter: seconds },
  });
}

/** 409: setup while MFA is enabled (disable it first). */
export function alreadyEnabledError(): RampartError {
  return new RampartError({
    status: 409,
    code: 'ERR_MFA_ALREADY_ENABLED',
    title: 'Conflict',
    detail: 'Two-factor authentication is already enabled. Disable it before setting it up again.',
  });
}

/** 409: enable without a pending setup (never started, expired, or replaced meanwhile). */
export function notPendingError(): RampartError {
  return new RampartError({
    status: 409,
    code: 'ERR_MFA_NOT_PENDING',
    title: 'Conflict',
    detail: 'No two-factor setup is pending. Start the setup again and scan the new QR code.',
  });
}

/** 409: an operation that needs MFA enabled (disable, new recovery codes) on a user without it. */
export function notEnabledError(): RampartError {
  return new RampartError({
    status: 409,
    code: 'ERR_MFA_NOT_ENABLED',
    title: 'Conflict',
    detail: 'Two-factor authentication is not enabled for this account.',
  });
}

/** 401: an `mfaToken` that is malformed, unknown, expired or already used (one answer for all). */
export function invalidChallengeError(): RampartError {
  return new RampartError({
    status: 401,
    code: 'ERR_MFA_TOKEN_INVALID',
    title: 'Unauthorized',
    detail: 'The MFA token is invalid, expired or already used. Sign in again.',
  });
}

/** 400: an otpauth label or issuer holding a colon, which authenticator apps split on. */
export function invalidLabelError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_MFA_LABEL_INVALID',
    title: 'Bad request',
    detail: 'The account label must be 1 to 256 characters without a colon or control characters.',
  });
}

/**
 * 401: the route needs a second factor passed within `maxAgeSeconds` (step-up). The challenge
 * follows RFC 9470 (`insufficient_user_authentication`, `max_age`).
 */
export function stepUpRequiredError(maxAgeSeconds: number): RampartError {
  return new RampartError({
    status: 401,
    code: 'ERR_MFA_STEP_UP_REQUIRED',
    title: 'Unauthorized',
    detail: `This action needs a second factor passed within the last ${maxAgeSeconds} seconds. Verify a code and retry.`,
    headers: {
      'WWW-Authenticate': `Bearer error="insufficient_user_authentication", max_age=${maxAgeSeconds}`,
    },
    extensions: { maxAge: maxAgeSeconds },
  });
}

/**
 * 401: the account has MFA and the sign-in carried no code (and no trusted device): for a login
 * that takes the code in the same request, such as a browser session's.
 */
export function codeRequiredError(): RampartError {
  return new RampartError({
    status: 401,
    code: 'ERR_MFA_CODE_REQUIRED',
    title: 'Unauthorized',
    detail:
      'This account uses two-factor authentication. Send the code from the authenticator app.',
  });
}
