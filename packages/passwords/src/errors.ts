import { RampartError } from '@rampart/core';

/** 400: the password is not a non-empty string of well-formed Unicode. */
export function invalidPasswordError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_PASSWORD_INVALID',
    title: 'Bad request',
    detail: 'The password must be a non-empty string of well-formed Unicode (no lone surrogate).',
  });
}

/** 400: the password is over the byte cap; refused before any hashing. */
export function passwordTooLongError(maxBytes: number): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_PASSWORD_TOO_LONG',
    title: 'Bad request',
    detail: `The password is longer than ${maxBytes} bytes (UTF-8). Send a shorter one.`,
    extensions: { maxBytes },
  });
}

/** 400: the password fails the policy; `failedRules` lists the rule ids. */
export function passwordPolicyError(failedRules: readonly string[]): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_PASSWORD_POLICY',
    title: 'Bad request',
    detail: `The password does not meet the password policy: ${failedRules.join(', ')}.`,
    extensions: { failedRules },
  });
}

/** 503: the breached-password check could not answer; the password was not accepted. */
export function breachCheckUnavailableError(cause: unknown): RampartError {
  return new RampartError({
    status: 503,
    code: 'ERR_PASSWORD_CHECK_UNAVAILABLE',
    title: 'Service unavailable',
    detail: 'The password could not be checked against known breaches. Retry shortly.',
    headers: { 'Retry-After': '5' },
    extensions: { retryAfter: 5 },
    cause,
  });
}
