import type { SecurityRequest, UserCredentialRevoker, UserDataPurger } from '@rampart/core';

/** A live session, as `request.session` (and `req.session`) hold it. Never holds the token. */
export interface Session {
  /** The session's id: the SHA-256 of its token, base64url. Safe to show and to log. */
  readonly id: string;
  readonly userId: string;
  /** Epoch ms the session began (sign-in; a rotation keeps it). */
  readonly createdAt: number;
  /** Epoch ms of the last recorded activity. */
  readonly lastSeenAt: number;
  /** Epoch ms of the absolute timeout. */
  readonly expiresAt: number;
  /** Epoch ms the session ends without another request: the earlier of the idle and absolute timeouts. */
  readonly idleExpiresAt: number;
  /** Epoch ms the user last passed a second factor in this session; `undefined` if not. */
  readonly mfaAt: number | undefined;
  readonly userAgent: string;
  readonly ip: string;
}

/** A session just issued: the token goes to the browser in `setCookie`, and nowhere else. */
export interface IssuedSession {
  readonly session: Session;
  /** The cookie's token. Send it only as `setCookie`; never log or store it. */
  readonly token: string;
  /** The `Set-Cookie` header value that hands the token to the browser. */
  readonly setCookie: string;
}

/** One entry of a user's session list. */
export interface SessionInfo {
  readonly id: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** When the session ends without another request (the earlier of idle and absolute). */
  readonly expiresAt: number;
  readonly userAgent: string;
  readonly ip: string;
  /** True for the session the listing request came with. */
  readonly current: boolean;
}

/** Options of {@link Sessions.create} and {@link Sessions.rotate}. */
export interface IssueOptions {
  /** When the user passed a second factor (epoch ms); `null` clears it on rotation. */
  mfaAt?: number | null;
}

/** What `createSessions` returns. */
export interface Sessions extends UserCredentialRevoker, UserDataPurger {
  /** The session cookie's name. */
  readonly cookieName: string;
  /**
   * Starts a session for `userId` (after the password and any second factor were checked),
   * under the per-user cap; the request gives the binding fingerprint. Rejects with 409
   * `ERR_SESSION_LIMIT` when the cap is full and the policy is `reject-new`.
   */
  create(userId: string, request: SecurityRequest, options?: IssueOptions): Promise<IssuedSession>;
  /**
   * The session of a request's cookie: `undefined` when the request has no session cookie (no
   * credential), otherwise a promise of the live session, or a rejection: 400
   * `ERR_COOKIE_MALFORMED`, 401 `ERR_SESSION_INVALID`, `ERR_SESSION_EXPIRED` or
   * `ERR_SESSION_BINDING` (the session was revoked), 503 when the store is down.
   */
  authenticate(request: SecurityRequest): Promise<Session> | undefined;
  /**
   * The session token of a request's cookie, or `undefined` without one (an empty cookie is
   * none). Synchronous, no I/O: 400 `ERR_COOKIE_MALFORMED` for a cookie header it cannot read.
   */
  readToken(request: SecurityRequest): string | undefined;
  /** Checks a token that {@link readToken} found, as {@link authenticate} does. */
  validate(token: string, request: SecurityRequest): Promise<Session>;
  /**
   * Replaces `session` by a new one with a new token (same user, sign-in time and absolute
   * timeout) and kills the old token at once: call it when the user's privilege changes (MFA on
   * or off, password, role). 401 `ERR_SESSION_INVALID` when `session` is no longer live.
   */
  rotate(
    session: Session,
    request: SecurityRequest,
    options?: IssueOptions,
  ): Promise<IssuedSession>;
  /** The user's live sessions, newest activity first; `currentId` marks the caller's. */
  list(userId: string, currentId?: string): Promise<SessionInfo[]>;
  /** Ends one session of `userId`; false when the user has none with that id (another user's id too). */
  revoke(userId: string, id: string): Promise<boolean>;
  /** Ends every session of the user but `session`; resolves how many ended. */
  revokeOthers(session: Session): Promise<number>;
  /** `Set-Cookie` value of a token (Max-Age up to the absolute timeout). */
  setCookie(token: string, expiresAt: number): string;
  /** `Set-Cookie` value that deletes the session cookie (sign-out). */
  clearCookie(): string;
}
