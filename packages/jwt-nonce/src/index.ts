/**
 * `@rampart/jwt-nonce`: access and refresh JWTs whose ids the server tracks, so logout is
 * immediate, refresh tokens rotate with reuse detection and "log out everywhere" is one write.
 * jose issues tokens and serves the JWKS; node:crypto verifies them on the hot path.
 */

export type {
  IssueOptions,
  JwtAuth,
  JwtNonce,
  TokenIdentity,
  TokenPair,
} from './api.js';
export { accessTokenOf, jwtAuthenticator, MFA_AT_CLAIM } from './authenticator.js';
export { extractBearerToken } from './bearer.js';
export { InvalidTokenError, type InvalidTokenReason, isInvalidTokenError } from './errors.js';
export { randomTokenId } from './issue.js';
export { createJwtNonce } from './jwt-nonce.js';
export { generateJwtKey } from './keys/generate.js';
export {
  type AsymmetricKeyInput,
  type HmacKeyInput,
  JWT_ALGORITHMS,
  type JwtAlgorithm,
  type JwtKeyInput,
} from './keys/key-ring.js';
export type { JwtNonceOptions, TrackingMode } from './options.js';
export type {
  JwtNonceStore,
  SpendOutcome,
  SpendResult,
  TokenLookup,
  TokenRecord,
  TokenRef,
  TokenStatus,
  UserWatermark,
} from './store.js';
export { MemoryJwtNonceStore, type MemoryJwtNonceStoreOptions } from './stores/memory.js';
export { TOKEN_ID_PATTERN, type TokenKind, type VerifiedClaims } from './verify/claims.js';
export { DEFAULT_MAX_TOKEN_BYTES, TOKEN_TYPES } from './verify/verifier.js';
