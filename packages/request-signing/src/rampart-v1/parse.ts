import { hash } from 'node:crypto';
import { macTextEquals, type SecurityRequest } from '@rampart/core';
import { signatureHeadersError, signatureInvalidError } from '../shared/errors.js';
import {
  KEY_ID_PATTERN,
  METHOD_PATTERN,
  NONCE_PATTERN,
  parseTimestampMs,
  RAMPART_V1_HEADERS,
  rampartV1SigningString,
  SIGNATURE_HEX,
  TARGET_PATTERN,
} from '../shared/fields.js';
import type { HmacSha256Key } from '../shared/hmac-key.js';
import type { ParsedSignature } from '../shared/parsed-signature.js';
import { signatureHeader } from '../shared/signature-header.js';

const EMPTY = new Uint8Array(0);

const TIMESTAMP_FORMAT = 'Send the Unix time in milliseconds as plain digits.';
const SIGNATURE_FORMAT = 'Send the HMAC-SHA256 as 64 lower-case hex characters.';

function malformed(name: string, format: string): Error {
  return signatureHeadersError(`The ${name} header is malformed. ${format}`);
}

/** The header's one value; a 401 when it is missing (or repeated, or over 256 characters). */
function present(request: SecurityRequest, name: string, format: string): string {
  const value = signatureHeader(request.headers, name, 256);
  if (value === undefined) {
    throw signatureHeadersError(`The ${name} header is missing. ${format}`);
  }
  return value;
}

function required(
  request: SecurityRequest,
  name: string,
  pattern: { test(value: string): boolean },
  format: string,
): string {
  const value = present(request, name, format);
  if (!pattern.test(value)) throw malformed(name, format);
  return value;
}

/**
 * Reads the four `rampart-v1` headers, each matched against its strict pattern before any
 * conversion: `X-Key-Id`, `X-Nonce` (16–64 of `[A-Za-z0-9_-]`), `X-Timestamp` (Unix milliseconds,
 * digits only) and `X-Signature` (64 characters here; lower-case hex is proven by the constant-time
 * comparison, or checked after a mismatch). Throws a 401 `ERR_SIGNATURE_HEADERS` for a missing,
 * repeated or malformed header. The body is hashed only when `matches` is first called, after the
 * cheap checks passed.
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
  const timestamp = present(request, RAMPART_V1_HEADERS.timestamp, TIMESTAMP_FORMAT);
  const signedAtMs = parseTimestampMs(timestamp);
  if (signedAtMs === undefined) throw malformed(RAMPART_V1_HEADERS.timestamp, TIMESTAMP_FORMAT);
  // Only the length here: the characters are checked by the comparison itself (see `matches`).
  const signatureHex = present(request, RAMPART_V1_HEADERS.signature, SIGNATURE_FORMAT);
  if (signatureHex.length !== 64) throw malformed(RAMPART_V1_HEADERS.signature, SIGNATURE_FORMAT);
  return new RampartV1Signature(request, keyId, nonce, timestamp, signedAtMs, signatureHex);
}

/** A parsed `rampart-v1` signature; a class, so a request allocates no closures. */
class RampartV1Signature implements ParsedSignature {
  readonly scheme = 'rampart-v1';
  #message: string | undefined;

  constructor(
    readonly request: SecurityRequest,
    readonly keyId: string,
    readonly nonce: string,
    readonly timestamp: string,
    readonly signedAtMs: number,
    readonly signatureHex: string,
  ) {}

  matches(key: HmacSha256Key): boolean {
    let message = this.#message;
    if (message === undefined) {
      const { method, url, rawBody } = this.request;
      // Not a header problem, and nothing a valid signer could have produced.
      if (!METHOD_PATTERN.test(method) || !TARGET_PATTERN.test(url)) {
        throw signatureInvalidError('method or target outside the signable form', this.keyId);
      }
      message = rampartV1SigningString({
        keyId: this.keyId,
        method,
        target: url,
        timestamp: this.timestamp,
        nonce: this.nonce,
        bodySha256Hex: hash('sha256', rawBody ?? EMPTY, 'hex'),
      });
      this.#message = message;
    }
    if (macTextEquals(key.signHex(message), this.signatureHex)) return true;
    // Equal to a computed MAC, the signature was lower-case hex; only a mismatch needs the
    // pattern, to tell a malformed header from a wrong signature. A malformed one has cost one
    // HMAC, as a well-formed wrong one does.
    if (!SIGNATURE_HEX.test(this.signatureHex)) {
      throw malformed(RAMPART_V1_HEADERS.signature, SIGNATURE_FORMAT);
    }
    return false;
  }

  bodyMatches(): boolean {
    return true;
  }
}
