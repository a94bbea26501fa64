import { hkdfSync } from 'node:crypto';
import type { SecurityEventHandler } from '@rampart/core';
import { createKeyedHasher, type KeyRing } from '@rampart/crypto';
import { createMfa, type Mfa, type MfaStore, type TrustedDevices } from '@rampart/mfa';
import type { MfaConfig } from './mfa-config.js';

/** HKDF info of the recovery-code and challenge-token pepper derived from each encryption key. */
const PEPPER_INFO = 'rampart-example mfa pepper v1';

/**
 * The MFA service of the app. Secrets are sealed with the `ENCRYPTION_KEYS` ring; recovery codes
 * and challenge tokens are hashed with peppers derived from the same keys by HKDF-SHA256 (own
 * `info`, so no key is used for two purposes), each under its key's id: rotating
 * `ENCRYPTION_KEYS` rotates the pepper too, and old hashes still verify while the old key is
 * listed.
 */
export function createExampleMfa(
  config: MfaConfig,
  store: MfaStore,
  /** The app's key ring: it seals TOTP secrets. */
  keyRing: KeyRing,
  trustedDevices?: TrustedDevices,
  onEvent?: SecurityEventHandler,
): Mfa {
  const keys = config.encryptionKeys.value;
  const peppers = keys.map(({ id, key }) => ({
    id,
    key: Buffer.from(
      hkdfSync('sha256', Buffer.from(key, 'base64url'), Buffer.alloc(0), PEPPER_INFO, 32),
    ).toString('base64url'),
  }));
  return createMfa({
    store,
    keyRing,
    hasher: createKeyedHasher({ keys: peppers }),
    issuer: config.issuer,
    ...(trustedDevices === undefined ? {} : { trustedDevices }),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}
