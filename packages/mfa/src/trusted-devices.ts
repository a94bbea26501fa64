/**
 * What `@rampart/mfa` needs of a trusted-device registry: whether a device token the browser
 * presented was remembered for this user after a correct code, and a way to forget every device
 * of a user when their MFA is turned off. Typed here, narrowly, so this package does not depend
 * on sessions; `@rampart/sessions`' `createTrustedDevices(...)` fits it as it is.
 */
export interface TrustedDevices {
  /** True when `deviceToken` is a live trusted device of `userId` (and of no one else). */
  verify(userId: string, deviceToken: string): Promise<boolean>;
  /** Forgets every trusted device of `userId`; called when MFA is disabled. */
  revokeAllForUser(userId: string): Promise<void>;
}
