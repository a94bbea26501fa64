import { decodeBase64url } from '@rampart/core';
import { KEY_ID_PATTERN } from './key-material.js';

/**
 * The sealed text, version 1: `v1.<kid>.<iv>.<ciphertext+tag>`, four fields separated by dots.
 *
 * - `v1`: the format version; anything else is refused.
 * - `<kid>`: the id of the key that sealed it, 1 to 32 of `A–Z a–z 0–9 _ -`.
 * - `<iv>`: the 12-byte (96-bit) random IV, as exactly 16 characters of unpadded base64url.
 * - `<ciphertext+tag>`: the AES-256-GCM ciphertext (as long as the plaintext) followed by the
 *   16-byte tag, as unpadded base64url: at least 22 characters.
 *
 * Base64url is canonical (no padding, zero unused bits), so one sealed value has one spelling.
 * The AAD is not in the text: the caller supplies it again to open.
 */
export const SEALED_VERSION = 'v1';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const IV_CHARACTERS = 16;
/** Longest kid (32) plus `v1`, the IV and three dots. */
const HEADER_MAX_CHARACTERS = SEALED_VERSION.length + 32 + IV_CHARACTERS + 3;

/** The parts of a sealed text, decoded, before any key is looked up. */
export interface SealedParts {
  readonly kid: string;
  readonly iv: Buffer;
  /** Ciphertext followed by the 16-byte tag. */
  readonly body: Buffer;
}

/** Characters of unpadded base64url for `bytes` bytes. */
function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/** The longest sealed text a ring with this plaintext cap can have made. */
export function maxSealedLength(maxPlaintextBytes: number): number {
  return HEADER_MAX_CHARACTERS + base64urlLength(maxPlaintextBytes + TAG_BYTES);
}

/** Writes the text of a value sealed with key `kid`. */
export function formatSealed(kid: string, iv: Buffer, body: Buffer): string {
  return `${SEALED_VERSION}.${kid}.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/**
 * Parses a sealed text strictly, before any cryptography: a string no longer than `maxLength`,
 * exactly four fields, version `v1`, a well-formed kid, a 16-character IV and a body of at least
 * a tag, both canonical base64url. `undefined` for anything else, whatever it is.
 */
export function parseSealed(text: unknown, maxLength: number): SealedParts | undefined {
  if (typeof text !== 'string' || text.length > maxLength) return undefined;
  const kidStart = SEALED_VERSION.length + 1;
  if (!text.startsWith(`${SEALED_VERSION}.`)) return undefined;
  const kidEnd = text.indexOf('.', kidStart);
  if (kidEnd === -1) return undefined;
  const ivEnd = kidEnd + 1 + IV_CHARACTERS;
  if (text.charCodeAt(ivEnd) !== 0x2e /* . */) return undefined;
  const kid = text.slice(kidStart, kidEnd);
  if (!KEY_ID_PATTERN.test(kid)) return undefined;
  const iv = decodeBase64url(text.slice(kidEnd + 1, ivEnd));
  // A dot in the body is a fifth field: the base64url check refuses it.
  const body = decodeBase64url(text.slice(ivEnd + 1));
  if (iv === undefined || iv.length !== IV_BYTES || body === undefined) return undefined;
  if (body.length < TAG_BYTES) return undefined;
  return { kid, iv, body };
}
