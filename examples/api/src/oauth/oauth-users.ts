import { randomUUID } from 'node:crypto';
import { notFoundError, RampartError, type SecurityEventInit } from '@rampart/core';
import type { OAuthUserDirectory } from '@rampart/oauth';
import type { User, UserStore } from '../users/user-store.js';

/**
 * The hash of an account made by a provider sign-in: a marker that no password matches (as `!`
 * in /etc/shadow). `PasswordHasher.verify` answers `false` for anything that is not an argon2
 * PHC string, so a password login of such an account fails like a wrong password. Not empty:
 * the stores read an empty hash as a damaged record.
 */
export const NO_PASSWORD = '!no-password:oauth';

export interface OAuthUserDirectoryOptions {
  /**
   * Revokes every credential the account holds: access and refresh tokens, sessions, trusted
   * devices and API keys. Called when a provider proves the email of a password account.
   */
  readonly revokeCredentials: (userId: string) => Promise<void>;
  /** Whether the account has a second factor (then the sign-in must pass it, and proves more). */
  readonly hasSecondFactor: (userId: string) => Promise<boolean>;
  readonly onEvent?: (event: SecurityEventInit & { source?: string }) => void;
}

/**
 * How `@rampart/oauth` finds or makes the user of a first sign-in, on the app's user store. The
 * email comes verified from the provider (an ID token's `email_verified`, GitHub's primary
 * verified address); the store normalises it as it does for a registration.
 *
 * Registration does not prove an email, so a password account found by the provider's email may
 * have been made by someone else beforehand, waiting for its owner to sign in with a provider
 * (account pre-hijacking). The provider's proof wins: before the account is joined, its password
 * stops working and every credential issued on it is revoked, so whoever registered it keeps no
 * way in. Its owner signs in with the provider from then on (a link made while signed in, which
 * `@rampart/oauth` offers and this app does not route, would keep the password). An account with
 * a second factor is joined as it is: the session that follows asks for that factor, which only
 * the registrant holds, so a stranger's account gives its email's owner nothing and loses nothing.
 */
export function oauthUserDirectory(
  users: UserStore,
  options: OAuthUserDirectoryOptions,
): OAuthUserDirectory {
  async function claimedBy(found: User): Promise<string> {
    let user: User | undefined = found;
    for (;;) {
      if (user.passwordHash === NO_PASSWORD || (await options.hasSecondFactor(user.id))) {
        return user.id;
      }
      // Password first: a credential revoked while the password still worked could be reissued.
      // Over the hash read: a password changed meanwhile is read again and claimed too.
      if (await users.setPasswordHash(user.id, NO_PASSWORD, user.passwordHash)) break;
      user = await users.findById(found.id);
      // Erased between the read and the write: nothing left to join.
      if (user === undefined) throw notFoundError();
    }
    await options.revokeCredentials(user.id);
    options.onEvent?.({
      type: 'PASSWORD_CHANGED',
      severity: 'warning',
      source: 'app',
      reason: 'email-proven-by-provider',
      userId: user.id,
    });
    return user.id;
  }

  return Object.freeze({
    async findByVerifiedEmail(email: string) {
      const user = await users.findByEmail(email);
      return user === undefined ? undefined : claimedBy(user);
    },
    async createUser({ email }: { email: string }) {
      const id = randomUUID();
      try {
        await users.create({
          id,
          email,
          passwordHash: NO_PASSWORD,
          role: 'user',
          locked: false,
          createdAt: Date.now(),
        });
        return id;
      } catch (error) {
        // Two first sign-ins with one email at once, or a registration between the lookup and
        // here: the account that won is the one to join, claimed like any password account.
        if (!(error instanceof RampartError) || error.code !== 'ERR_EMAIL_TAKEN') throw error;
        const winner = await users.findByEmail(email);
        if (winner === undefined) throw error;
        return claimedBy(winner);
      }
    },
  });
}
