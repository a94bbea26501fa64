/**
 * The WebCrypto calls of the client. `globalThis.crypto.subtle` exists in Node >= 20 and in every
 * browser on a secure origin; nothing here imports a `node:` module.
 */
import { decodeBase64, encodeBase64, encodeBase64Url, encodeHex } from '../shared/base64.js';

/**
 * The part of a WebCrypto `CryptoKey` the client reads; the platform's `CryptoKey` (Node's or a
 * browser's) fits, without this package's types depending on DOM or Node typings.
 */
export interface ClientCryptoKey {
  readonly type: string;
  readonly algorithm: object;
  readonly usages: readonly string[];
}

/** A secret as the client accepts it: base64url text (no padding), raw bytes, or a CryptoKey. */
export type ClientSecret = string | Uint8Array | ClientCryptoKey;

type Subtle = (typeof globalThis.crypto)['subtle'];
type PlatformKey = Parameters<Subtle['sign']>[1];

function subtle(): Subtle {
  const crypto = globalThis.crypto;
  if (crypto?.subtle === undefined) {
    throw new TypeError('WebCrypto is unavailable: use Node >= 20 or a browser on https.');
  }
  return crypto.subtle;
}

function isCryptoKey(value: unknown): value is ClientCryptoKey {
  return typeof value === 'object' && value !== null && 'algorithm' in value && 'usages' in value;
}

/**
 * Imports a signing secret as an HMAC-SHA256 `CryptoKey`, once. 32 to 64 bytes, as the server
 * requires; a `CryptoKey` must be an HMAC SHA-256 key usable for `sign`.
 */
export async function importClientSecret(secret: ClientSecret): Promise<ClientCryptoKey> {
  if (isCryptoKey(secret)) {
    const algorithm = secret.algorithm as { name?: string; hash?: { name?: string } };
    if (
      algorithm.name !== 'HMAC' ||
      algorithm.hash?.name !== 'SHA-256' ||
      !secret.usages.includes('sign')
    ) {
      throw new TypeError('secret: the CryptoKey must be an HMAC SHA-256 key with the sign usage.');
    }
    return secret;
  }
  const bytes = typeof secret === 'string' ? decodeBase64(secret, 'base64url') : secret;
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      'secret: must be base64url text without padding, a Uint8Array or a CryptoKey.',
    );
  }
  if (bytes.byteLength < 32 || bytes.byteLength > 64) {
    throw new RangeError(`secret: must be 32 to 64 bytes; got ${bytes.byteLength}.`);
  }
  return subtle().importKey(
    'raw',
    new Uint8Array(bytes),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}

/** HMAC-SHA256 of an ASCII string. */
export async function hmacSha256(key: ClientCryptoKey, message: string): Promise<Uint8Array> {
  for (let i = 0; i < message.length; i++) {
    if (message.charCodeAt(i) > 0x7e)
      throw new TypeError('Only ASCII can be signed; percent-encode the URL.');
  }
  return new Uint8Array(
    await subtle().sign('HMAC', key as PlatformKey, new TextEncoder().encode(message)),
  );
}

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return encodeHex(new Uint8Array(await subtle().digest('SHA-256', new Uint8Array(bytes))));
}

/** The RFC 9530 `Content-Digest` value of `bytes`: `sha-256=:<base64>:`. */
export async function contentDigest(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await subtle().digest('SHA-256', new Uint8Array(bytes)));
  return `sha-256=:${encodeBase64(digest)}:`;
}

/** A fresh nonce: 18 random bytes, 24 base64url characters. */
export function randomNonce(): string {
  const crypto = globalThis.crypto;
  if (crypto?.getRandomValues === undefined) throw new TypeError('WebCrypto is unavailable.');
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(18)));
}

export { encodeBase64, encodeHex };
