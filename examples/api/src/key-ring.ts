import { createKeyRing, type KeyRing } from '@rampart/crypto';
import type { AppConfig } from './config.js';

/**
 * The app's one key ring, from `ENCRYPTION_KEYS` (the first key seals, every key opens): it seals
 * TOTP secrets, API keys' signing secrets, audit record keys and the OAuth flow cookie. Built once
 * by the services; idempotency keeps a ring of its own over the same keys, for its larger
 * plaintexts (kept responses).
 */
export function appKeyRing(config: AppConfig): KeyRing {
  return createKeyRing({
    keys: config.mfa.encryptionKeys.value.map(({ id, key }) => ({ id, key })),
  });
}
