import { timingSafeEqual } from 'node:crypto';
import type { HeaderRecord } from '../shared/header-record.js';
import { signatureHeadersError } from './errors.js';
import type { HmacSha256Key } from './hmac-key.js';

/** The schemes a verifier accepts. */
export type SignatureScheme = 'rampart-v1' | 'rfc9421';

/** A signature whose headers parsed; nothing about it is trusted yet. */
export interface ParsedSignature {
  scheme: SignatureScheme;
  keyId: string;
  /** When the signer says it signed, in Unix milliseconds. */
  signedAtMs: number;
  /** RFC 9421 `expires`, in Unix milliseconds, when sent. */
  expiresAtMs?: number;
  nonce: string;
  /** True when `key` produced this signature over this request. Constant-time. */
  matches(key: HmacSha256Key): boolean;
  /** After `matches`: true when the body bytes are the ones the signature covers. */
  bodyMatches(): boolean;
}

/** Compares a computed MAC with a received one of the same, already checked, length. */
export function macEquals(computed: Buffer, received: Uint8Array): boolean {
  return computed.length === received.length && timingSafeEqual(computed, received);
}

/**
 * The one value of a header the signature depends on, or `undefined` when absent. Sent twice it
 * is refused: which of the two did the signer mean? Longer than `maxLength` it is refused
 * before anything parses it.
 */
export function signatureHeader(
  headers: HeaderRecord,
  name: string,
  maxLength: number,
): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    if (value.length !== 1) {
      throw signatureHeadersError(`The ${name} header was sent more than once. Send it once.`);
    }
    return checkLength(name, value[0] as string, maxLength);
  }
  return checkLength(name, value, maxLength);
}

function checkLength(name: string, value: string, maxLength: number): string {
  if (value.length > maxLength) {
    throw signatureHeadersError(`The ${name} header is longer than ${maxLength} characters.`);
  }
  return value;
}
