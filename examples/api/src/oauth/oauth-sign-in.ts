import type { SecurityEventInit, SecurityRequest } from '@rampart/core';
import { type OAuthSignIn, oauthCallbackError } from '@rampart/oauth';
import type { Sessions } from '@rampart/sessions';
import { accountLockedError } from '../audit/app-audit.js';
import { noSecondFactor, type SecondFactor } from '../sessions/session-actions.js';
import type { UserStore } from '../users/user-store.js';

/** What ends a provider sign-in in a session. */
export interface OAuthSessionOptions {
  readonly users: UserStore;
  readonly sessions: Sessions;
  /**
   * The second factor of `POST /api/v1/sessions`, asked with no code: a user with MFA passes
   * only on a trusted device of theirs, as a password login without `code` would.
   */
  readonly secondFactor?: SecondFactor;
  /** Whether the account is locked (an admin, or the automated response). */
  readonly isLocked?: (userId: string) => Promise<boolean>;
  readonly onEvent?: (event: SecurityEventInit & { source?: string }) => void;
}

/** Turns a completed provider sign-in into the browser's session: the `Set-Cookie` values. */
export type OAuthSessionStart = (
  signIn: OAuthSignIn,
  request: SecurityRequest,
) => Promise<readonly string[]>;

/**
 * After `@rampart/oauth` verified the provider and found or made the user: the same session as
 * `POST /api/v1/sessions` makes (`@rampart/sessions`' `create`: the `__Host-sid` cookie, the
 * per-user cap, the binding), after the same refusals a password login has past the password:
 * a locked account (403 `ERR_ACCOUNT_LOCKED`) and a second factor that was not passed.
 */
export function oauthSessionStart(options: OAuthSessionOptions): OAuthSessionStart {
  const { users, sessions, secondFactor = noSecondFactor } = options;
  return async function startSession(signIn: OAuthSignIn, request: SecurityRequest) {
    const user = await users.findById(signIn.userId);
    // A link outliving its user (purgeUser removes both; a store failed between them).
    if (user === undefined) throw oauthCallbackError();
    if (user.locked || (await options.isLocked?.(user.id)) === true) {
      options.onEvent?.({
        type: 'LOGIN_FAILURE',
        severity: 'warning',
        source: 'app',
        code: 'ERR_ACCOUNT_LOCKED',
        reason: 'locked',
        userId: user.id,
        ip: request.ip,
      });
      throw accountLockedError();
    }
    const factor = await secondFactor(user, {}, request);
    const issued = await sessions.create(
      user.id,
      request,
      factor.mfaAt === undefined ? {} : { mfaAt: factor.mfaAt },
    );
    return [issued.setCookie, ...(factor.setCookies ?? [])];
  };
}
