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

/** Both hex MACs side by side: one write fills them, and each half is a fixed view. */
const hexPair = Buffer.alloc(128);
const computedHex = hexPair.subarray(0, 64);
const receivedHex = hexPair.subarray(64);

/**
 * Compares two 64-character hex MACs with `timingSafeEqual`, as bytes: no hex decoding, no
 * allocation but the joined string, written in one call (each `Buffer#write` has a fixed cost
 * that two writes paid twice). A latin1 write keeps only a character's low byte, so once the
 * bytes match the strings are compared too: `received` has not been checked for its characters
 * (see `RampartV1Signature.matches`), and U+0161 must not pass for `a`.
 */
export function hexMacEquals(computed: string, received: string): boolean {
  if (computed.length !== 64 || received.length !== 64) return false;
  hexPair.write(computed + received, 0, 'latin1');
  return timingSafeEqual(computedHex, receivedHex) && computed === received;
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
