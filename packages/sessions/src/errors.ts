import { RampartError } from '@rampart/core';

/**
 * Why a session cookie was refused with `ERR_SESSION_INVALID`. Never sent to the client (every
 * reason gets the same body); kept on the error for logs and events.
 */
export type InvalidSessionReason =
  /** The cookie's value is not a session token of this package (wrong length, alphabet, checksum). */
  | 'malformed'
  /** No such session: never issued, revoked, evicted by the cap, rotated away, or long expired. */
  | 'unknown';

/** 401: the session cookie names no live session. Sign in again. */
export class InvalidSessionError extends RampartError {
  override readonly name = 'RampartError';
  readonly reason: InvalidSessionReason;

  constructor(reason: InvalidSessionReason) {
    super({
      status: 401,
      code: 'ERR_SESSION_INVALID',
      title: 'Unauthorized',
      detail: 'The session cookie is not valid. Sign in again.',
    });
    this.reason = reason;
  }
}

/** Which timeout ended a session. */
export type SessionTimeout = 'idle' | 'absolute';

/**
 * 401: the session existed but timed out (idle or absolute), distinct from an invalid cookie so a
 * client can say "your session expired" rather than "you are not signed in".
 */
export class SessionExpiredError extends RampartError {
  override readonly name = 'RampartError';
  readonly timeout: SessionTimeout;

  constructor(timeout: SessionTimeout) {
    super({
      status: 401,
      code: 'ERR_SESSION_EXPIRED',
      title: 'Unauthorized',
      detail: 'The session has expired. Sign in again.',
    });
    this.timeout = timeout;
  }
}

/**
 * 401: the session was presented by a different browser than the one it was issued to (another
 * User-Agent product family); it has been revoked.
 */
export class SessionBindingError extends RampartError {
  override readonly name = 'RampartError';

  constructor() {
    super({
      status: 401,
      code: 'ERR_SESSION_BINDING',
      title: 'Unauthorized',
      detail:
        'The session cookie was presented by another browser than the one it was issued to, so the session was ended. Sign in again.',
    });
  }
}

/** 409: the user already has the maximum number of sessions and the policy is `reject-new`. */
export class SessionLimitError extends RampartError {
  override readonly name = 'RampartError';
  readonly maxSessions: number;

  constructor(maxSessions: number) {
    super({
      status: 409,
      code: 'ERR_SESSION_LIMIT',
      title: 'Conflict',
      detail: `This account already has ${maxSessions} active ${maxSessions === 1 ? 'session' : 'sessions'}. Sign out of one and try again.`,
      extensions: { maxSessions },
    });
    this.maxSessions = maxSessions;
  }
}

/** 404: no session of the caller's has that id (another user's id answers the same). */
export function sessionNotFoundError(): RampartError {
  return new RampartError({
    status: 404,
    code: 'ERR_SESSION_NOT_FOUND',
    title: 'Not found',
    detail: 'No session of yours has this id. List your sessions to find the id.',
  });
}

/**
 * 403: a cookie-authenticated unsafe request (POST, PUT, PATCH, DELETE …) that a browser sent on
 * behalf of another site (cross-site request forgery).
 */
export function csrfError(): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_CSRF',
    title: 'Forbidden',
    detail:
      "A cookie-authenticated request that changes state must come from this application's own pages (its Origin, or Sec-Fetch-Site: same-origin).",
  });
}

/** 400: the `Cookie` header is not one this server can read unambiguously. */
export function malformedCookieError(detail: string): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_COOKIE_MALFORMED',
    title: 'Bad request',
    detail,
  });
}
