/**
 * `@rampart/headers`: security header presets (`api`, `page`) rendered once through helmet, and
 * a CORS policy with exact origin matching; framework-neutral. The adapters are
 * `@rampart/headers/express` and `@rampart/headers/fastify`.
 */
export {
  type CorsDecision,
  type CorsPolicy,
  createCors,
  type HeaderField,
} from './cors.js';
export {
  DEFAULT_CORS_METHODS,
  DEFAULT_PREFLIGHT_MAX_AGE_SECONDS,
  RAMPART_REQUEST_HEADERS,
  RATE_LIMIT_HEADERS,
} from './cors-defaults.js';
export type { CorsOptions, CorsOrigins } from './cors-options.js';
export { createNonce } from './nonce.js';
export { isExactOrigin } from './origin.js';
export type { PermissionsPolicy } from './permissions-policy.js';
export {
  type CspDirectives,
  DEFAULT_PERMISSIONS_POLICY,
  type SecurityHeadersPreset,
} from './presets.js';
export {
  createSecurityHeaders,
  type SecurityHeaderSet,
  type SecurityHeadersOptions,
} from './security-headers.js';
