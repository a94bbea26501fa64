import type { AuthContext } from '@rampart/core';
import type { JwtNonce } from '@rampart/jwt-nonce';
import type { Mfa, MfaSetup } from '@rampart/mfa';
import { type AuthService, loginFailedError, type TokenResponse } from '../auth/auth-service.js';
import { parseInput } from '../parse-input.js';
import type { UserStore } from '../users/user-store.js';
import { challengeBody, codeBody } from './mfa-bodies.js';

/** The claim of the app's access tokens that says when the user last passed MFA (epoch ms). */
export const MFA_AT_CLAIM = 'mfa_at';

/** What the MFA routes of EXAMPLE-API.md do, whatever the framework. */
export interface MfaActions {
  setup(auth: AuthContext): Promise<MfaSetup>;
  enable(auth: AuthContext, body: unknown): Promise<{ recoveryCodes: string[] }>;
  disable(auth: AuthContext, body: unknown): Promise<{ mfaEnabled: false }>;
  regenerateRecoveryCodes(auth: AuthContext, body: unknown): Promise<{ recoveryCodes: string[] }>;
  /** The second step of a login: the `mfaToken` and a code, then the token pair. */
  challenge(body: unknown): Promise<TokenResponse>;
}

export interface MfaActionsOptions {
  readonly mfa: Mfa;
  readonly auth: AuthService;
  readonly users: UserStore;
  readonly tokens: JwtNonce;
}

/** The MFA routes' logic on the app's services. */
export function createMfaActions(options: MfaActionsOptions): MfaActions {
  const { mfa, auth, users, tokens } = options;
  return Object.freeze({
    async setup(caller: AuthContext) {
      const user = await auth.userOf(caller);
      return mfa.setup(user.id, user.email);
    },

    async enable(caller: AuthContext, body: unknown) {
      const { code } = parseInput(codeBody, body);
      const user = await auth.userOf(caller);
      return mfa.enable(user.id, code);
    },

    async disable(caller: AuthContext, body: unknown) {
      const { code } = parseInput(codeBody, body);
      const user = await auth.userOf(caller);
      // Verifies the code (TOTP or recovery), turns MFA off and forgets the trusted devices.
      await mfa.disable(user.id, code);
      return { mfaEnabled: false as const };
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
