import type {
  AuthContext,
  SecurityEventInit,
  SecurityRequest,
  UserCredentialRevoker,
} from '@rampart/core';
import { accessTokenOf, type JwtNonce, MFA_AT_CLAIM } from '@rampart/jwt-nonce';
import type { PasswordHasher, PasswordPolicy } from '@rampart/passwords';
import { type Sessions, sessionOf } from '@rampart/sessions';
import { parseInput } from '../parse-input.js';
import type { User, UserStore } from '../users/user-store.js';
import { passwordChangeBody } from './auth-bodies.js';
import { loginFailedError, type TokenResponse } from './auth-service.js';

/** `POST /api/v1/auth/password` → 200. */
export interface PasswordChangedBody {
  status: 'password-changed';
  /** A bearer caller's token died with the others: its replacement, in a new family. */
  tokens?: TokenResponse;
}

export interface PasswordChangeAnswer {
  readonly body: PasswordChangedBody;
  /** A cookie caller's rotated session (the session id changes with the password). */
  readonly setCookies: readonly string[];
}

/** What `POST /api/v1/auth/password` does, whatever the framework. */
export type ChangePassword = (
  auth: AuthContext,
  body: unknown,
  request: SecurityRequest,
) => Promise<PasswordChangeAnswer>;

export interface PasswordChangeOptions {
  readonly users: UserStore;
  /** Loads the caller (401 when their account is gone). */
  readonly userOf: (auth: AuthContext) => Promise<User>;
  /** The hasher of login and register: its bounded queue answers 503 `ERR_BUSY` when full. */
  readonly hasher: PasswordHasher;
  /** The policy of register: a new password it refuses is its 400 `ERR_PASSWORD_POLICY`. */
  readonly policy: PasswordPolicy;
  readonly tokens: JwtNonce;
  readonly sessions: Sessions;
  /** Everything else a new password ends for good (the trusted devices: EXAMPLE-API.md, "Sessions"). */
  readonly alsoRevoke: readonly UserCredentialRevoker[];
  /** The audit trail's `onEvent`: `PASSWORD_CHANGED`, and a wrong current password as a `LOGIN_FAILURE`. */
  readonly onEvent?: (event: SecurityEventInit & { source?: string }) => void;
}

/**
 * Changes the caller's password (EXAMPLE-API.md, "Auth"): every other session and token of the
 * user dies. The caller goes on: a cookie session is rotated rather than ended, and a bearer
 * caller gets a new pair (jwt-nonce revokes a user's tokens all at once, the caller's included).
 * API keys stay: they are no login and the contract does not end them here.
 */
export function createPasswordChange(options: PasswordChangeOptions): ChangePassword {
  const { users, hasher, policy, tokens, sessions } = options;

  async function assertCurrentPassword(user: User, password: string): Promise<void> {
    if (await hasher.verify(user.passwordHash, password)) return;
    // A guess of the password, as a failed login is: the detector counts it towards a lockdown.
    options.onEvent?.({
      type: 'LOGIN_FAILURE',
      severity: 'warning',
      source: 'app',
      code: 'ERR_LOGIN_FAILED',
      reason: 'wrong-current-password',
      userId: user.id,
    });
    throw loginFailedError();
  }

  /** Everything of the user but the caller's own session; tokens all (the caller gets new ones). */
  async function revokeOthers(auth: AuthContext, userId: string): Promise<void> {
    await tokens.revokeAllForUser(userId);
    const current = sessionOf(auth);
    if (current === undefined) await sessions.revokeAllForUser(userId);
    else await sessions.revokeOthers(current);
    for (const credentials of options.alsoRevoke) await credentials.revokeAllForUser(userId);
  }

  async function carryOn(auth: AuthContext, request: SecurityRequest, userId: string) {
    const current = sessionOf(auth);
    if (current !== undefined) {
      const rotated = await sessions.rotate(current, request);
      return { body: { status: 'password-changed' as const }, setCookies: [rotated.setCookie] };
    }
    if (accessTokenOf(auth) === undefined) {
      return { body: { status: 'password-changed' as const }, setCookies: [] };
    }
    // Issued after the revocation's watermark, so it lives; the second factor passed still counts.
    const claims = auth.mfaAt === undefined ? undefined : { [MFA_AT_CLAIM]: auth.mfaAt };
    const pair = await tokens.issue(userId, claims === undefined ? {} : { claims });
    const fresh: TokenResponse = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      tokenType: pair.tokenType,
      expiresIn: pair.expiresIn,
    };
    return { body: { status: 'password-changed' as const, tokens: fresh }, setCookies: [] };
  }

  return async function changePassword(auth, body, request) {
    const { currentPassword, newPassword } = parseInput(passwordChangeBody, body);
    const user = await options.userOf(auth);
    // Before any hashing: a refused new password costs no argon2 work and changes nothing.
    await policy.assert(newPassword, { email: user.email });
    await assertCurrentPassword(user, currentPassword);
    // Over the hash just verified: of two changes (or a provider's claim) racing, one wins, and
    // the loser's current password is no longer current.
    if (
      !(await users.setPasswordHash(user.id, await hasher.hash(newPassword), user.passwordHash))
    ) {
      throw loginFailedError();
    }
    await revokeOthers(auth, user.id);
    options.onEvent?.({
      type: 'PASSWORD_CHANGED',
      severity: 'info',
      source: 'app',
      userId: user.id,
      detail: { via: auth.method },
    });
    return carryOn(auth, request, user.id);
  };
}
