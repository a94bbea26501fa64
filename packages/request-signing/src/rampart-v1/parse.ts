import { hash } from 'node:crypto';
import type { SecurityRequest } from '@rampart/core';
import { signatureHeadersError, signatureInvalidError } from '../server/errors.js';
import { hexMacEquals, type ParsedSignature, signatureHeader } from '../server/parsed-signature.js';
import {
  KEY_ID_PATTERN,
  METHOD_PATTERN,
  NONCE_PATTERN,
  RAMPART_V1_HEADERS,
  rampartV1SigningString,
  SIGNATURE_HEX_PATTERN,
  TARGET_PATTERN,
  TIMESTAMP_MS_PATTERN,
} from '../shared/fields.js';

const EMPTY = new Uint8Array(0);

function required(request: SecurityRequest, name: string, pattern: RegExp, format: string): string {
  const value = signatureHeader(request.headers, name, 256);
  if (value === undefined) {
    throw signatureHeadersError(`The ${name} header is missing. ${format}`);
  }
  if (!pattern.test(value))
    throw signatureHeadersError(`The ${name} header is malformed. ${format}`);
  return value;
}

/**
 * Reads the four `rampart-v1` headers, each matched against its strict pattern before any
 * conversion: `X-Key-Id`, `X-Nonce` (16–64 of `[A-Za-z0-9_-]`), `X-Timestamp` (Unix milliseconds,
 * digits only) and `X-Signature` (64 lower-case hex characters). Throws a 401
 * `ERR_SIGNATURE_HEADERS` for a missing, repeated or malformed header. The body is hashed only
 * when `matches` is first called, after the cheap checks passed.
 */
export function parseRampartV1(request: SecurityRequest): ParsedSignature {
  const keyId = required(
    request,
    RAMPART_V1_HEADERS.keyId,
    KEY_ID_PATTERN,
    'Send 1–128 characters of A–Z a–z 0–9 . _ : ~ -.',
  );
  const nonce = required(
    request,
    RAMPART_V1_HEADERS.nonce,
    NONCE_PATTERN,
    'Send 16–64 characters of A–Z a–z 0–9 _ -.',
  );
  const timestamp = required(
    request,
    RAMPART_V1_HEADERS.timestamp,
    TIMESTAMP_MS_PATTERN,
    'Send the Unix time in milliseconds as plain digits.',
  );
  const signatureHex = required(
    request,
    RAMPART_V1_HEADERS.signature,
    SIGNATURE_HEX_PATTERN,
    'Send the HMAC-SHA256 as 64 lower-case hex characters.',
  );
  const signedAtMs = Number(timestamp);
  if (!Number.isSafeInteger(signedAtMs)) {
    throw signatureHeadersError('The x-timestamp header is malformed. Send Unix milliseconds.');
  }
  const { method, url } = request;
  let message: string | undefined;

  return {
    scheme: 'rampart-v1',
    keyId,
    signedAtMs,
    nonce,
    matches(key) {
      if (message === undefined) {
        // Not a header problem, and nothing a valid signer could have produced.
        if (!METHOD_PATTERN.test(method) || !TARGET_PATTERN.test(url)) {
          throw signatureInvalidError('method or target outside the signable form', keyId);
        }
        message = rampartV1SigningString({
          keyId,
          method,
          target: url,
          timestamp,
          nonce,
          bodySha256Hex: hash('sha256', request.rawBody ?? EMPTY, 'hex'),
        });
      }
      return hexMacEquals(key.signHex(message), signatureHex);
    },
    bodyMatches: () => true,
  };
}
