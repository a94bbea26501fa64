/**
 * `@rampart/api-keys`: API keys a secret scanner recognises (prefix, environment, id, secret,
 * CRC32 checksum), stored as keyed hashes, verified in one store round trip with an optional
 * per-key rate limit, rotated with a grace period. The service and the memory store; adapters in
 * `./express` and `./fastify`, stores in `./redis` and `./postgres`, the store conformance suite
 * in `./testing`.
 */
export type {
  ApiKeySigningSecrets,
  ApiKeys,
  CreateApiKeyInput,
  CreatedApiKey,
  RotatedApiKey,
} from './api.js';
export { createApiKeys } from './api-keys.js';
export {
  type ApiKeyAuthenticatorOptions,
  apiKeyAuthenticator,
  apiKeyOf,
  apiKeyRateLimitDecision,
  apiKeyRateLimitHeaders,
} from './authenticator.js';
export {
  API_KEY_ERROR_CODES,
  type ApiKeyErrorCode,
  ApiKeyRateLimitedError,
  DisabledApiKeyError,
  ExpiredApiKeyError,
  InsufficientScopeError,
  InvalidApiKeyError,
  type InvalidApiKeyReason,
} from './errors.js';
export type { FailureThrottleOptions } from './failure-throttle.js';
export {
  type ApiKeyFormat,
  type ApiKeyFormatOptions,
  createApiKeyFormat,
  KEY_ID_PATTERN,
  type ParsedApiKey,
} from './format.js';
export type { ApiKeyInfo } from './info.js';
export type { ApiKeysOptions } from './options.js';
export { scopeRefusal } from './scopes.js';
export type {
  ApiKeyChange,
  ApiKeyCheck,
  ApiKeyLookup,
  ApiKeyMetadata,
  ApiKeyOutcome,
  ApiKeyRateLimit,
  ApiKeyRateLimitOutcome,
  ApiKeyRecord,
  ApiKeyRef,
  ApiKeyStore,
} from './store.js';
export { MemoryApiKeyStore, type MemoryApiKeyStoreOptions } from './stores/memory.js';
export type { ApiKeyVerification, VerifiedApiKey, VerifyApiKeyOptions } from './verified-key.js';
