import { type ApiKeys, apiKeyAuthenticator, createApiKeys } from '@rampart/api-keys';
import type { Authenticator, SecurityEventHandler } from '@rampart/core';
import type { KeyRing } from '@rampart/crypto';
import { hasPermission, type Permission } from '../auth/permissions.js';
import type { AppConfig } from '../config.js';
import type { AppStores } from '../stores/app-stores.js';
import type { User } from '../users/user-store.js';
import { type ApiKeyActions, createApiKeyActions } from './api-key-actions.js';
import { withKeyLimitHeaders } from './key-limit-headers.js';
import { createSigningSecrets, type SigningSecrets } from './signing-secrets.js';

/** What the API-key feature adds to the app's services. */
export interface ApiKeyServices {
  readonly apiKeys: ApiKeys;
  readonly actions: ApiKeyActions;
  /** Goes first in the app's authenticator list: it also claims `Authorization: Bearer rk_…`. */
  readonly authenticator: Authenticator;
  /** The signed route's secrets: `SIGNING_KEY_ID`'s and every API key's. */
  readonly signing: SigningSecrets;
}

/** Pepper id of `API_KEY_PEPPER`; a second pepper would be listed first to rotate. */
const PEPPER_ID = 'example-pepper';

/** Whether the caller's own role holds a scope: a key never gets more than its creator. */
function roleGrants(user: User, scope: string): boolean {
  if (user.locked) return false;
  // The profile is the user's own: every known role may read it.
  if (scope === 'profile:read') return hasPermission(user.role, 'entities:read');
  return hasPermission(user.role, scope as Permission);
}

/** The API-key service on the app's store, its routes' logic and its authenticator. */
export function createApiKeyServices(
  config: AppConfig,
  stores: AppStores,
  /** The app's key ring: it seals each key's signing secret. */
  keyRing: KeyRing,
  onEvent: SecurityEventHandler,
): ApiKeyServices {
  const apiKeys = createApiKeys({
    store: stores.apiKeys,
    peppers: [{ id: PEPPER_ID, key: config.apiKeys.pepper.value }],
    // The signing secrets are sealed with the app's key ring (ENCRYPTION_KEYS).
    keyRing,
    // Failed guesses per address, counted where every process of the app sees them.
    failureThrottle: { store: stores.rateLimits },
    onEvent,
  });
  return Object.freeze({
    apiKeys,
    actions: createApiKeyActions(apiKeys, roleGrants),
    authenticator: withKeyLimitHeaders(apiKeyAuthenticator(apiKeys, { bearer: true })),
    signing: createSigningSecrets(apiKeys, config.signing.keyId.value, config.signing.secret.value),
  });
}
