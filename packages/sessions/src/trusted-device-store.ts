import type { UserDataPurger } from '@rampart/core';

/** A device the user chose to trust after passing a second factor. Holds no usable token. */
export interface TrustedDeviceRecord {
  /** SHA-256 of the device token, base64url (43 characters). */
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The User-Agent it was trusted from, at most 256 characters; for display. */
  readonly userAgent: string;
}

/**
 * The state of `TrustedDevices`. Every method is one atomic operation (one round trip on Redis and
 * Postgres); `now` comes from the caller's clock. A record is live while `now < expiresAt` and is
 * only ever found for the user it was issued to.
 *
 * Run `describeTrustedDeviceStoreConformance` from `@rampart/sessions/testing` on your own store.
 */
export interface TrustedDeviceStore extends UserDataPurger {
  /**
   * Adds `record`, first forgetting the user's expired devices; with `maxPerUser` live ones the
   * oldest created are dropped to make room (a device is a convenience, not a credential to keep).
   */
  add(record: TrustedDeviceRecord, maxPerUser: number, now: number): Promise<void>;
  /** The live device `id` of `userId`; `undefined` for another user's, an expired or unknown one. */
  find(userId: string, id: string, now: number): Promise<TrustedDeviceRecord | undefined>;
  /** The user's live devices, in no particular order. */
  list(userId: string, now: number): Promise<TrustedDeviceRecord[]>;
  /** Forgets one device of `userId`; false when the user has none with that id. */
  revoke(userId: string, id: string): Promise<boolean>;
  /** Forgets every device of `userId`. */
  revokeAllForUser(userId: string): Promise<void>;
  /** Right to erasure: the same as {@link revokeAllForUser}. */
  purgeUser(userId: string): Promise<void>;
}
