import { randomUUID } from 'node:crypto';
import { RampartError } from '@rampart/core';
import type { OAuthUserDirectory } from '@rampart/oauth';
import type { UserStore } from '../users/user-store.js';

/**
 * The hash of an account made by a provider sign-in: a marker that no password matches (as `!`
 * in /etc/shadow). `PasswordHasher.verify` answers `false` for anything that is not an argon2
 * PHC string, so a password login of such an account fails like a wrong password. Not empty:
 * the stores read an empty hash as a damaged record.
 */
export const NO_PASSWORD = '!no-password:oauth';

/**
 * How `@rampart/oauth` finds or makes the user of a first sign-in, on the app's user store. The
 * email comes verified from the provider (an ID token's `email_verified`, GitHub's primary
 * verified address); the store normalises it as it does for a registration.
 */
export function oauthUserDirectory(users: UserStore): OAuthUserDirectory {
  return Object.freeze({
    async findByVerifiedEmail(email: string) {
      return (await users.findByEmail(email))?.id;
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
        // Two first sign-ins with one email at once (or a registration between the lookup and
        // here): the account that won is the one to link.
        if (!(error instanceof RampartError) || error.code !== 'ERR_EMAIL_TAKEN') throw error;
        const winner = await users.findByEmail(email);
        if (winner === undefined) throw error;
        return winner.id;
      }
    },
  });
}
