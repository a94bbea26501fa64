/**
 * Per-user data: the two contracts every package that holds state about a user implements, so
 * that locking an account, changing a password and erasing a user are these calls composed, not
 * new code in each package (docs/architecture.md, "Per-user data").
 */

/**
 * Holds data about users and can forget one of them (the right to erasure, GDPR art. 17).
 * Implemented by every store that keys state by a user (token records and families, counters
 * keyed by a principal, the example app's users and their records) and by the services over them.
 */
export interface UserDataPurger {
  /**
   * Forgets everything held about `userId`, for every scope the implementer keeps (every issuer,
   * every route). What must outlive the data to keep it harmless stays, holding no more than the
   * user id and a time: a revocation watermark under which forgotten tokens stay dead. Resolves
   * once done; idempotent, so a failed erasure is retried by calling it again. Rejects with
   * `StoreUnavailableError` when the backing store cannot be reached.
   */
  purgeUser(userId: string): Promise<void>;
}

/** Issues credentials a user holds (tokens, sessions, keys) and can revoke them all at once. */
export interface UserCredentialRevoker {
  /**
   * Revokes every credential of `userId` issued until now: each is refused from the moment the
   * promise resolves, in every process. Credentials issued afterwards are unaffected.
   */
  revokeAllForUser(userId: string): Promise<void>;
}

/**
 * Erases a user from every purger given, one after the other (a failure stops the run and
 * rejects; every purge is idempotent, so the caller retries the whole erasure). Revoke first when
 * a service can: `[tokens, sessions, users]`, the credentials before the account.
 *
 * @example
 * await purgeUserData(userId, [tokens, rateLimitStore, users, records]);
 */
export async function purgeUserData(
  userId: string,
  purgers: readonly UserDataPurger[],
): Promise<void> {
  for (const purger of purgers) await purger.purgeUser(userId);
}

/**
 * Revokes every credential of a user with every revoker given (locking an account, a password
 * change), one after the other; a failure stops the run and rejects.
 *
 * @example
 * await revokeAllForUser(userId, [tokens, sessions, apiKeys]);
 */
export async function revokeAllForUser(
  userId: string,
  revokers: readonly UserCredentialRevoker[],
): Promise<void> {
  for (const revoker of revokers) await revoker.revokeAllForUser(userId);
}
