import { createHash, type Hash } from 'node:crypto';

/**
 * Feeds each field to `hash` with its byte length first (4 bytes, big-endian), so no two lists of
 * fields hash alike (`ab`+`c` vs `a`+`bc`).
 */
function updateFields(hash: Hash, fields: ReadonlyArray<string | Uint8Array>): Hash {
  const length = Buffer.allocUnsafe(4);
  for (const field of fields) {
    if (typeof field === 'string') {
      length.writeUInt32BE(Buffer.byteLength(field, 'utf8'), 0);
      hash.update(length).update(field, 'utf8');
    } else {
      length.writeUInt32BE(field.length, 0);
      hash.update(length).update(field);
    }
  }
  return hash;
}

/** SHA-256 of the length-prefixed fields, in base64url (43 characters). */
export function digestFields(fields: ReadonlyArray<string | Uint8Array>): string {
  return updateFields(createHash('sha256'), fields).digest('base64url');
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
