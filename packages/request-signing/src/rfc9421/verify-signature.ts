import type { SecurityRequest } from '@rampart/core';
import { type HmacSha256Key, importSigningSecret, type SigningSecret } from '../shared/hmac-key.js';
import { parseRfc9421 } from './parse.js';

/** Options of {@link verifyHttpMessageSignature}. */
export interface VerifyHttpMessageSignatureOptions {
  /** The secret(s) of the signature's `keyid`. */
  secrets: readonly SigningSecret[];
  /** `https://example.com`, when `@target-uri`, `@authority` or `@scheme` are covered. */
  origin?: string;
  /** The label to verify; default the only one sent. */
  label?: string;
}

/** The parts of a signature that verified. */
export interface HttpMessageSignatureInfo {
  keyId: string;
  /** `created` in Unix seconds, when sent. */
  created: number | undefined;
}

/**
 * Checks only the HMAC-SHA256 of an RFC 9421 signature (and its `content-digest`, when
 * covered): no time window, no nonce, no coverage policy. Meant for test vectors and tooling;
 * requests are verified with `createRequestVerifier`, which adds all three. Returns `undefined`
 * when the signature does not verify; throws a 401 `ERR_SIGNATURE_HEADERS` `RampartError` when
 * it cannot be read.
 *
 * @example
 * verifyHttpMessageSignature(request, { secrets: [testSharedSecret] }); // { keyId, created }
 */
export function verifyHttpMessageSignature(
  request: SecurityRequest,
  options: VerifyHttpMessageSignatureOptions,
): HttpMessageSignatureInfo | undefined {
  const parseOptions: Parameters<typeof parseRfc9421>[1] = { policy: 'signature-only' };
  if (options.origin !== undefined) parseOptions.origin = options.origin;
  if (options.label !== undefined) parseOptions.label = options.label;
  const parsed = parseRfc9421(request, parseOptions);
  const keys: HmacSha256Key[] = options.secrets.map((s) => importSigningSecret(s, 'secrets'));
  let matched = false;
  for (const key of keys) if (parsed.matches(key)) matched = true;
  if (!matched || !parsed.bodyMatches()) return undefined;
  return {
    keyId: parsed.keyId,
    created: parsed.signedAtMs === 0 ? undefined : parsed.signedAtMs / 1000,
  };
}
