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
export { SIGNATURE_ERROR_CODES, type SignatureErrorCode } from './server/errors.js';
export {
  HmacSha256Key,
  importSigningSecret,
  MAX_SECRET_BYTES,
  MIN_SECRET_BYTES,
  type SigningSecret,
} from './server/hmac-key.js';
export type { SignatureScheme } from './server/parsed-signature.js';
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
export {
  RAMPART_V1,
  RAMPART_V1_HEADERS,
  type RampartV1Fields,
  rampartV1SigningString,
} from './shared/fields.js';
