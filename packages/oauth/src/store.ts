/** One provider account linked to a user. */
export interface OAuthLink {
  readonly provider: string;
  readonly subject: string;
  readonly userId: string;
  /** Epoch milliseconds. */
  readonly linkedAt: number;
}

/**
 * Where the `(provider, subject) → user id` links live. A link is what a later sign-in follows,
 * so an email changed at the provider does not make a second account. Implementations: memory
 * (`MemoryOAuthLinkStore`), Redis, Postgres; `describeOAuthLinkStoreConformance` in
 * `@rampart/oauth/testing` holds the cases every one passes.
 */
export interface OAuthLinkStore {
  /**
   * Links `(provider, subject)` to `userId` unless it is linked already, atomically: two
   * concurrent first sign-ins make one link. Resolves the user id the pair is linked to after
   * the call (the existing one when there was one).
   */
  link(provider: string, subject: string, userId: string, at: number): Promise<string>;
  /** The user id `(provider, subject)` is linked to, or `undefined`. */
  find(provider: string, subject: string): Promise<string | undefined>;
  /** Every link of a user, oldest first. */
  listByUser(userId: string): Promise<OAuthLink[]>;
  /** Removes the user's link with `provider`; `false` when there was none. Never another user's. */
  unlink(userId: string, provider: string): Promise<boolean>;
  /** Removes every link of the user (right to erasure). */
  purgeUser(userId: string): Promise<void>;
}

/** Longest provider name, subject and user id a store accepts. */
export const MAX_LINK_FIELD_LENGTH = 255;
