/**
 * `@rampart/request-signing`: signed requests that cannot be replayed. The verifier for the
 * `rampart-v1` scheme and RFC 9421 HTTP Message Signatures (`hmac-sha256`), framework-neutral.
 * The adapters are `@rampart/request-signing/express` and `/fastify`; the signing client, for
 * Node and browsers, is `@rampart/request-signing/client`.
 */
export {
  type HttpMessageSignatureInfo,
  type VerifyHttpMessageSignatureOptions,
  verifyHttpMessageSignature,
} from './rfc9421/verify-signature.js';
export {
  type GetSigningSecrets,
  MAX_SECRETS_PER_KEY,
  type SigningSecrets,
  staticSigningSecrets,
} from './server/secrets.js';
export {
  createRequestVerifier,
  type RequestVerifier,
  type RequestVerifierOptions,
  type VerifiedSignature,
} from './server/verifier.js';
export { SIGNATURE_ERROR_CODES, type SignatureErrorCode } from './shared/errors.js';
export {
  RAMPART_V1,
  RAMPART_V1_HEADERS,
  type RampartV1Fields,
  rampartV1SigningString,
} from './shared/fields.js';
export {
  HmacSha256Key,
  importSigningSecret,
  MAX_SECRET_BYTES,
  MIN_SECRET_BYTES,
  type SigningSecret,
} from './shared/hmac-key.js';
export type { SignatureScheme } from './shared/parsed-signature.js';
