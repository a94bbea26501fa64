/**
 * `@rampart/core`: the shared kernel of Rampart. Framework-neutral and driver-free: importing it
 * loads neither Express, Fastify, ioredis nor Kysely.
 */
export {
  AUTH_METHODS,
  type AuthContext,
  type AuthMethod,
  createAuthContext,
} from './auth/auth-context.js';
export { authRequiredError } from './auth/auth-required.js';
export {
  type AuthenticateOptions,
  type AuthMode,
  authenticate,
} from './auth/authenticate.js';
export type { Authenticator } from './auth/authenticator.js';
export {
  isExactPermission,
  isPermissionPattern,
  MAX_PERMISSION_LENGTH,
  type ParsedPermission,
  type PermissionPattern,
  PermissionSet,
  parsePermission,
  parsePermissionList,
  scopesGrant,
} from './auth/permissions.js';
export {
  type AddResult,
  BoundedExpiringMap,
  type BoundedExpiringMapOptions,
  type WhenFull,
} from './bounded-expiring-map.js';
export {
  type Clock,
  createFakeClock,
  createTurnClock,
  type FakeClock,
  systemClock,
  type TurnClockSource,
  turnClock,
} from './clock.js';
export { clockSchema, configCode, forwardErrorsSchema, parseOptions } from './config.js';
export { HmacSha256Key } from './crypto/hmac-sha256.js';
export { MAX_MAC_TEXT_LENGTH, macTextEquals } from './crypto/mac-text.js';
export { decodeBase64url } from './encoding/base64url.js';
export {
  BusyError,
  badRequest,
  internalError,
  StoreFullError,
  StoreUnavailableError,
} from './errors/common-errors.js';
export {
  CONFIG_ERROR_CODES,
  type ConfigErrorCode,
  configErrorDocs,
  RampartConfigError,
} from './errors/configuration-error.js';
export {
  isRampartError,
  PROBLEM_CONTENT_TYPE,
  type ProblemDocument,
  type ProblemExtensions,
  problemType,
  RampartError,
  type RampartErrorInit,
} from './errors/rampart-error.js';
export {
  createEventEmitter,
  type EmitSecurityEvent,
  type EventEmitterOptions,
  emitEvent,
  SECURITY_EVENT_TYPES,
  type SecurityEvent,
  type SecurityEventHandler,
  type SecurityEventInit,
  type SecurityEventSeverity,
  type SecurityEventType,
} from './events.js';
export {
  type ClientErrorListener,
  type ProblemClientErrorsOptions,
  problemClientErrors,
} from './http/client-errors.js';
export { assertJsonBodyHeaders, isJsonContentType } from './http/content-type.js';
export { type MappedError, mapError } from './http/error-mapping.js';
export {
  type CheckExpectationListener,
  type ProblemExpectationsOptions,
  problemExpectations,
} from './http/expectations.js';
export {
  type HeaderRecord,
  HTTP_TOKEN,
  headersFromRaw,
  headerValues,
  singleHeader,
} from './http/headers.js';
export { checkHostHeader } from './http/host-header.js';
export {
  DEFAULT_BODY_LIMIT,
  findPoisonedKey,
  MAX_JSON_DEPTH,
  parseJsonBody,
} from './http/json-body.js';
export { checkPathEncoding } from './http/path-encoding.js';
export {
  clientError,
  expectationFailedError,
  headersTooLargeError,
  invalidPathError,
  malformedJsonError,
  malformedRequestError,
  missingHostError,
  notFoundError,
  payloadTooLargeError,
  repeatedHeaderError,
  unsupportedMediaTypeError,
  unsupportedMethodError,
  validationError,
} from './http/problems.js';
export { declaredContentLength, hasBody, readBody } from './http/read-body.js';
export { requestPath } from './http/request-path.js';
export { findRepeatedSingleton, SINGLETON_HEADERS } from './http/singleton-headers.js';
export {
  createStrictRequestCheck,
  DEFAULT_REQUEST_METHODS,
  type StrictRequestCheck,
  type StrictRequestOptions,
} from './http/strict-request.js';
export { ipFamily, normalizeIp } from './ip/address.js';
export { CIDR_PRESETS, type IpRange, parseCidr, parseCidrList } from './ip/cidr.js';
export {
  type ClientIpResolver,
  type ClientIpResolverOptions,
  createClientIpResolver,
  UNKNOWN_CLIENT_IP,
} from './ip/client-ip.js';
export {
  createIpFilter,
  IpFilter,
  type IpFilterContext,
  type IpFilterOptions,
  type IpFilterRefusal,
  type IpFilterRules,
  ipBlockedError,
} from './ip/ip-filter.js';
export { compileIpList, type IpList } from './ip/ip-list.js';
export { formatIPv4, isIPv4, parseIPv4 } from './ip/ipv4.js';
export { formatIPv6, isIPv6, parseIPv6 } from './ip/ipv6.js';
export {
  MAX_NONCE_LENGTH,
  MAX_NONCE_SCOPE_LENGTH,
  MAX_NONCE_TTL_MS,
  type NonceStore,
} from './nonce-store.js';
export type { Principal, SecurityRequest } from './request.js';
export {
  type ScopedAddResult,
  ScopedExpiringSet,
  type ScopedExpiringSetOptions,
} from './scoped-expiring-set.js';
export { MemorySettingsStore } from './settings/memory-settings-store.js';
export {
  createSecuritySettings,
  RuntimeSecuritySettings,
  type SecuritySettingsOptions,
  type SettingsChangeActor,
  type SettingsListener,
  settingsInvalidError,
} from './settings/runtime-settings.js';
export {
  ipRulesOf,
  MAX_IP_LIST_ENTRIES,
  type SecuritySettings,
  type SecuritySettingsPatch,
  securitySettingsSchema,
} from './settings/security-settings.js';
export { settingsSelfLockoutError } from './settings/self-lockout.js';
export { diffSettings, type SettingChange } from './settings/settings-diff.js';
export {
  MAX_SETTINGS_LENGTH,
  type SettingsStore,
  type StoredSettings,
} from './settings/settings-store.js';
export { MemoryNonceStore, type MemoryNonceStoreOptions } from './stores/memory-nonce-store.js';
export {
  defineSyncTwin,
  type SyncAnswer,
  type SyncTwin,
  SyncTwinSite,
  syncTwinOf,
} from './sync-twin.js';
export {
  purgeUserData,
  revokeAllForUser,
  type UserCredentialRevoker,
  type UserDataPurger,
} from './user-data.js';
