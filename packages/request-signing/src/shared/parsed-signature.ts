import { timingSafeEqual } from 'node:crypto';
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
