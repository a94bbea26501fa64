import type { AuthContext, SecurityRequest } from '@rampart/core';
import { type JwtNonce, MFA_AT_CLAIM } from '@rampart/jwt-nonce';
import type { Mfa, MfaSetup } from '@rampart/mfa';
import { type AuthService, loginFailedError, type TokenResponse } from '../auth/auth-service.js';
import { parseInput } from '../parse-input.js';
import type { UserStore } from '../users/user-store.js';
import { challengeBody, codeBody } from './mfa-bodies.js';

/** An answer that may come with cookies to set (a rotated session). */
export interface WithCookies<Body> {
  readonly body: Body;
  readonly setCookies: readonly string[];
}

/**
 * Replaces the caller's session after a privilege change (MFA on or off), answering the new
 * session's `Set-Cookie`; `undefined` when the caller did not come with a session cookie.
 * `mfaAt`: when the user passed the second factor, `null` once MFA is off.
 */
export type RotateSession = (
  auth: AuthContext,
  request: SecurityRequest,
  mfaAt: number | null,
) => Promise<string | undefined>;

/** What the MFA routes of EXAMPLE-API.md do, whatever the framework. */
export interface MfaActions {
  setup(auth: AuthContext): Promise<MfaSetup>;
  /** Turns MFA on; a cookie session is rotated (EXAMPLE-API.md: the session id changes). */
  enable(
    auth: AuthContext,
    body: unknown,
    request: SecurityRequest,
  ): Promise<WithCookies<{ recoveryCodes: string[] }>>;
  /** Turns MFA off and forgets the trusted devices; a cookie session is rotated. */
  disable(
    auth: AuthContext,
    body: unknown,
    request: SecurityRequest,
  ): Promise<WithCookies<{ mfaEnabled: false }>>;
  regenerateRecoveryCodes(auth: AuthContext, body: unknown): Promise<{ recoveryCodes: string[] }>;
  /** The second step of a login: the `mfaToken` and a code, then the token pair. */
  challenge(body: unknown): Promise<TokenResponse>;
}

export interface MfaActionsOptions {
  readonly mfa: Mfa;
  readonly auth: AuthService;
  readonly users: UserStore;
  readonly tokens: JwtNonce;
  /** Session rotation (`@rampart/sessions`); without it nothing is rotated. */
  readonly rotateSession?: RotateSession;
}

const noCookies: readonly string[] = Object.freeze([]);

/** The MFA routes' logic on the app's services. */
export function createMfaActions(options: MfaActionsOptions): MfaActions {
  const { mfa, auth, users, tokens, rotateSession } = options;

  async function rotated(caller: AuthContext, request: SecurityRequest, mfaAt: number | null) {
    const setCookie = await rotateSession?.(caller, request, mfaAt);
    return setCookie === undefined ? noCookies : [setCookie];
  }
  return Object.freeze({
    async setup(caller: AuthContext) {
      const user = await auth.userOf(caller);
      return mfa.setup(user.id, user.email);
    },

    async enable(caller: AuthContext, body: unknown, request: SecurityRequest) {
      const { code } = parseInput(codeBody, body);
      const user = await auth.userOf(caller);
      const enabled = await mfa.enable(user.id, code);
      return { body: enabled, setCookies: await rotated(caller, request, Date.now()) };
    },

    async disable(caller: AuthContext, body: unknown, request: SecurityRequest) {
      const { code } = parseInput(codeBody, body);
      const user = await auth.userOf(caller);
      // Verifies the code (TOTP or recovery), turns MFA off and forgets the trusted devices.
      await mfa.disable(user.id, code);
      return {
        body: { mfaEnabled: false as const },
        setCookies: await rotated(caller, request, null),
      };
    },

    async regenerateRecoveryCodes(caller: AuthContext, body: unknown) {
      const { code } = parseInput(codeBody, body);
      const user = await auth.userOf(caller);
      return mfa.regenerateRecoveryCodes(user.id, code);
    },

    async challenge(body: unknown) {
      const { mfaToken, code } = parseInput(challengeBody, body);
      const passed = await mfa.completeChallenge(mfaToken, code);
      const user = await users.findById(passed.userId);
      // Locked or erased since the password step: the same answer as a failed login.
      if (user === undefined || user.locked) throw loginFailedError();
      // jwt-nonce's authenticator turns the claim into the auth context's mfaAt (step-up guards).
      const pair = await tokens.issue(user.id, { claims: { [MFA_AT_CLAIM]: passed.at } });
      return {
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        tokenType: pair.tokenType,
        expiresIn: pair.expiresIn,
      };
    },
  });
}
