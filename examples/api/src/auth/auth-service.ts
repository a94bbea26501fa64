import { randomUUID } from 'node:crypto';
import {
  type AuthContext,
  RampartError,
  type SecurityEventInit,
  type UserCredentialRevoker,
} from '@rampart/core';
import {
  accessTokenOf,
  InvalidTokenError,
  type JwtNonce,
  type TokenPair,
} from '@rampart/jwt-nonce';
import type { Mfa } from '@rampart/mfa';
import type { PasswordHasher, PasswordPolicy } from '@rampart/passwords';
import { accountLockedError } from '../audit/app-audit.js';
import { parseInput } from '../parse-input.js';
import type { User, UserStore } from '../users/user-store.js';
import { credentialsBody, refreshBody } from './auth-bodies.js';

/** The token response of login and refresh (EXAMPLE-API.md), an OAuth 2 token response. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** The login's answer for a user with MFA: send `mfaToken` and a code to `auth/mfa/challenge`. */
export interface MfaRequiredResponse {
  mfaRequired: true;
  mfaToken: string;
}

/** `GET /api/v1/me`. */
export interface MeResponse {
  id: string;
  email: string;
  role: string;
  mfaEnabled: boolean;
  /** Which credential proved this request: `jwt`, `session` or `api-key` (one auth context). */
  authMethod: AuthContext['method'];
}

/** What register, login, refresh, logout and me do, whatever the framework. */
export interface AuthService {
  register(body: unknown): Promise<{ id: string; email: string }>;
  login(body: unknown): Promise<TokenResponse | MfaRequiredResponse>;
  refresh(body: unknown): Promise<TokenResponse>;
  logout(auth: AuthContext): Promise<{ status: 'logged-out' }>;
  logoutAll(auth: AuthContext): Promise<{ status: 'logged-out-everywhere' }>;
  me(auth: AuthContext): Promise<MeResponse>;
  /** The user a verified credential names; a 401 like any bad token when it is gone (purged). */
  userOf(auth: AuthContext): Promise<User>;
  /**
   * The password step of every login (tokens, and the browser's `POST /api/v1/sessions`): the
   * user, or the one 401 `ERR_LOGIN_FAILED`; rehashes a weaker hash while the password is known.
   */
  checkPassword(email: string, password: string): Promise<User>;
}

export interface AuthServiceOptions {
  readonly users: UserStore;
  readonly tokens: JwtNonce;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  /** The second factor: a user with MFA gets `{ mfaRequired, mfaToken }` from login. None: no MFA. */
  readonly mfa?: Mfa;
  /** Other credentials of a user that `logout-all` ends with the tokens (the sessions). */
  readonly otherCredentials?: readonly UserCredentialRevoker[];
  /** Each login's outcome, as a security event (the audit trail's `onEvent`). */
  readonly onEvent?: (event: SecurityEventInit & { source?: string }) => void;
  /** Whether the account is locked (an admin, or the automated response): 403 after the password. */
  readonly isLocked?: (userId: string) => Promise<boolean>;
}

/**
 * The one 401 of a failed login, whether the email is unknown, the password wrong or the account
 * locked: the answer must not tell an attacker which emails have accounts.
 */
export function loginFailedError(): RampartError {
  return new RampartError({
    status: 401,
    code: 'ERR_LOGIN_FAILED',
    title: 'Unauthorized',
    detail: 'The email or the password is wrong.',
  });
}

function tokenResponse(pair: TokenPair): TokenResponse {
  // Only the members of the contract: the refresh TTL is the server's business.
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    tokenType: pair.tokenType,
    expiresIn: pair.expiresIn,
  };
}

/** The auth routes' logic, on the app's stores and the packages' services. */
export function createAuthService(options: AuthServiceOptions): AuthService {
  const { users, tokens, hasher, policy, mfa } = options;

  async function userOf(auth: AuthContext): Promise<User> {
    const user = await users.findById(auth.userId);
    if (user === undefined) throw new InvalidTokenError('revoked');
    return user;
  }

  async function checkPassword(email: string, password: string): Promise<User> {
    const user = await users.findByEmail(email);
    // An unknown email verifies a dummy hash: the same time, the same `false`.
    const matches = await hasher.verify(user?.passwordHash, password);
    if (user === undefined || !matches || user.locked) {
      options.onEvent?.({
        type: 'LOGIN_FAILURE',
        severity: 'warning',
        source: 'app',
        code: 'ERR_LOGIN_FAILED',
        // The account attacked, when it exists: the detector counts failures per user.
        ...(user === undefined
          ? { reason: 'unknown-email' }
          : { reason: 'wrong-password', userId: user.id }),
      });
      throw loginFailedError();
    }
    // Only after the right password: a guesser cannot tell a locked account from a wrong guess.
    if ((await options.isLocked?.(user.id)) === true) {
      options.onEvent?.({
        type: 'LOGIN_FAILURE',
        severity: 'warning',
        source: 'app',
        code: 'ERR_ACCOUNT_LOCKED',
        reason: 'locked',
        userId: user.id,
      });
      throw accountLockedError();
    }
    options.onEvent?.({ type: 'LOGIN_SUCCESS', severity: 'info', source: 'app', userId: user.id });
    // The only moment the password is known: upgrade a hash made with weaker parameters.
    if (hasher.needsRehash(user.passwordHash)) {
      // Over the hash just verified: a password changed meanwhile stays changed.
      await users.setPasswordHash(user.id, await hasher.hash(password), user.passwordHash);
    }
    return user;
  }

  return Object.freeze({
    userOf,
    checkPassword,

    async register(body: unknown) {
      const { email, password } = parseInput(credentialsBody, body);
      // 400 ERR_PASSWORD_POLICY with `failedRules`, before any hashing.
      await policy.assert(password, { email });
      const id = randomUUID();
      await users.create({
        id,
        email,
        passwordHash: await hasher.hash(password),
        role: 'user',
        locked: false,
        createdAt: Date.now(),
      });
      return { id, email };
    },

    async login(body: unknown) {
      const { email, password } = parseInput(credentialsBody, body);
      const user = await checkPassword(email, password);
      if (mfa !== undefined && (await mfa.needsChallenge(user.id))) {
        return {
          mfaRequired: true as const,
          mfaToken: (await mfa.createChallenge(user.id)).mfaToken,
        };
      }
      return tokenResponse(await tokens.issue(user.id));
    },

    async refresh(body: unknown) {
      const { refreshToken } = parseInput(refreshBody, body);
      // A spent token revokes its family (reuse detection) and answers the same 401.
      return tokenResponse(await tokens.refresh(refreshToken));
    },

    async logout(auth: AuthContext) {
      // Logout ends the token's family, so it needs the token behind the context.
      const token = accessTokenOf(auth);
      if (token === undefined) throw new InvalidTokenError('missing');
      await tokens.logout(token);
      return { status: 'logged-out' as const };
    },

    async logoutAll(auth: AuthContext) {
      await tokens.revokeAllForUser(auth.userId);
      for (const credentials of options.otherCredentials ?? []) {
        await credentials.revokeAllForUser(auth.userId);
      }
      return { status: 'logged-out-everywhere' as const };
    },

    async me(auth: AuthContext) {
      const user = await userOf(auth);
      const mfaEnabled = mfa === undefined ? false : (await mfa.status(user.id)).enabled;
      return {
        id: user.id,
        email: user.email,
        role: user.role,
        mfaEnabled,
        authMethod: auth.method,
      };
    },
  });
}
