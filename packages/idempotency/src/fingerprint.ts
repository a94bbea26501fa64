import { hash } from 'node:crypto';

/**
 * Flags a length prefix whose field is UTF-16LE: a string with an unpaired surrogate, which UTF-8
 * would turn into U+FFFD (so `'\ud800'` and `'\ufffd'`, two users, would name one record).
 */
const UTF16_FIELD = 0x8000_0000;

/** How one string field is written: UTF-8, or UTF-16LE (flagged) when it is not well formed. */
function encodingOf(field: string): BufferEncoding {
  return field.isWellFormed() ? 'utf8' : 'utf16le';
}

/** The most bytes one UTF-16 code unit takes in either encoding (3 in UTF-8, 2 in UTF-16LE). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Where the fields of a digest are written when they fit (a request's usually do): `hash` reads
 * them before it returns, so one buffer serves every digest, where a buffer of each took a slice of
 * Node's shared pool and a new 8 KiB pool every few requests.
 */
const SCRATCH_BYTES = 16 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/**
 * The fields one after another, each preceded by its byte length (4 bytes, big-endian), so no two
 * lists of fields encode alike (`ab`+`c` vs `a`+`bc`). Each string is checked and written once,
 * into a buffer sized for the longest encoding. The bytes returned are valid until the next call.
 */
function encodeFields(fields: ReadonlyArray<string | Uint8Array>): Buffer {
  let capacity = 0;
  for (const field of fields) {
    capacity += 4 + (typeof field === 'string' ? MAX_BYTES_PER_UNIT * field.length : field.length);
  }
  const bytes = capacity <= SCRATCH_BYTES ? scratch : Buffer.allocUnsafe(capacity);
  let offset = 0;
  for (const field of fields) {
    if (typeof field === 'string') {
      const encoding = encodingOf(field);
      const length = bytes.write(field, offset + 4, encoding);
      bytes.writeUInt32BE(encoding === 'utf8' ? length : (UTF16_FIELD | length) >>> 0, offset);
      offset += 4 + length;
    } else {
      bytes.writeUInt32BE(field.length, offset);
      bytes.set(field, offset + 4);
      offset += 4 + field.length;
    }
  }
  return bytes.subarray(0, offset);
}

/**
 * SHA-256 of the length-prefixed fields, in base64url (43 characters): one buffer hashed in one
 * call, as a `Hash` object fed field by field cost twice the CPU.
 */
export function digestFields(fields: ReadonlyArray<string | Uint8Array>): string {
  return hash('sha256', encodeFields(fields), 'base64url');
}

/** What identifies one request for idempotency. */
export interface FingerprintInput {
  /** Upper-case method. */
  readonly method: string;
  /** The matched route pattern. */
  readonly route: string;
  /** The request target as received (path and query): the route's parameters are in it. */
  readonly target: string;
  /** Who sent it (see `IdempotencyOptions.principal`). */
  readonly principal: string;
  /** The exact body bytes received; empty without a body. */
  readonly body: Uint8Array;
}

/**
 * The fingerprint of a request: SHA-256 over the method, the matched route, the request target,
 * the principal and the raw body bytes (never re-serialised JSON, never a header: a signed retry
 * with a new nonce and signature is the same request), each length-prefixed. Two requests replay
 * each other only when all five are equal.
 */
export function requestFingerprint(input: FingerprintInput): string {
  return digestFields([
    'rampart-idempotency-fingerprint/1',
    input.method,
    input.route,
    input.target,
    input.principal,
    input.body,
  ]);
}

/**
 * The store's key of a record: SHA-256 over the principal, the scope (`''`, or the method and
 * route when keys are scoped per route) and the client's key, so two principals' same key never
 * meet and the store never holds the key in clear.
 */
export function recordKey(principal: string, scope: string, idempotencyKey: string): string {
  return digestFields(['rampart-idempotency-record/1', principal, scope, idempotencyKey]);
}
