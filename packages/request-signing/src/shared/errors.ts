import { RampartError } from '@rampart/core';
import type { SignatureScheme } from './parsed-signature.js';

/** Every refusal of a signed request is a 401 with one of these codes. */
export const SIGNATURE_ERROR_CODES = Object.freeze({
  headers: 'ERR_SIGNATURE_HEADERS',
  invalid: 'ERR_SIGNATURE_INVALID',
  timestamp: 'ERR_TIMESTAMP_OUT_OF_RANGE',
  replayed: 'ERR_NONCE_REPLAYED',
} as const);

export type SignatureErrorCode = (typeof SIGNATURE_ERROR_CODES)[keyof typeof SIGNATURE_ERROR_CODES];

const CHALLENGE = Object.freeze({ 'WWW-Authenticate': 'Signature' });

/** A refusal; `reason` is for the security event only and never sent to the client. */
export class SignatureRejection extends RampartError {
  override readonly name = 'RampartError';
  declare readonly code: SignatureErrorCode;
  readonly reason: string;
  readonly keyId: string | undefined;

  constructor(code: SignatureErrorCode, detail: string, reason: string, keyId?: string) {
    super({ status: 401, code, title: 'Unauthorized', detail, headers: CHALLENGE });
    this.reason = reason;
    this.keyId = keyId;
  }
}

/**
 * 401 `ERR_SIGNATURE_HEADERS`: a signature header is missing, repeated or not in its strict
 * format. `detail` names the header and the format, which the client can read in the docs anyway.
 */
export function signatureHeadersError(detail: string, reason = detail): SignatureRejection {
  return new SignatureRejection(SIGNATURE_ERROR_CODES.headers, detail, reason);
}

/**
 * 401 `ERR_SIGNATURE_INVALID`. The same body whether the key id is unknown or the signature is
 * wrong: telling them apart would let a caller enumerate key ids.
 */
export function signatureInvalidError(reason: string, keyId?: string): SignatureRejection {
  return new SignatureRejection(
    SIGNATURE_ERROR_CODES.invalid,
    'The request signature does not verify. Sign the exact method, target and body bytes with a current secret.',
    reason,
    keyId,
  );
}

/** What to send instead, by scheme: the two count time in different units. */
const TIMESTAMP_ADVICE: Readonly<Record<SignatureScheme, string>> = Object.freeze({
  'rampart-v1': 'Send the current time in Unix milliseconds in X-Timestamp and check the clock.',
  rfc9421:
    'Send the current time in Unix seconds as created (and an expires still ahead) and check the clock.',
});

/** 401 `ERR_TIMESTAMP_OUT_OF_RANGE`: outside the accepted window, in either direction. */
export function timestampOutOfRangeError(
  keyId: string,
  scheme: SignatureScheme,
): SignatureRejection {
  return new SignatureRejection(
    SIGNATURE_ERROR_CODES.timestamp,
    `The request timestamp is outside the accepted window. ${TIMESTAMP_ADVICE[scheme]}`,
    'timestamp outside the window',
    keyId,
  );
}

/** 401 `ERR_NONCE_REPLAYED`: this nonce was already accepted for this key. */
export function nonceReplayedError(keyId: string): SignatureRejection {
  return new SignatureRejection(
    SIGNATURE_ERROR_CODES.replayed,
    'This nonce was already used. Sign every request with a fresh random nonce.',
    'nonce replayed',
    keyId,
  );
}
