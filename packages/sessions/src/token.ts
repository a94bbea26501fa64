import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { randomToken } from '@rampart/crypto';

/**
 * The session token in the cookie: `<user key>.<secret>`.
 *
 * - The secret is `randomToken()` of `@rampart/crypto`: 256 random bits in 43 base62 characters
 *   and a 6-character CRC32, so a mistyped or made-up cookie is refused before any store lookup.
 * - The user key is 22 base64url characters of SHA-256 over the user id: it groups a user's
 *   sessions (the Redis store's hash tag, so the per-user cap is one script on one Cluster slot)
 *   without putting the user id itself in the cookie.
 *
 * The store never sees the token: it keys on {@link sessionIdOf}, the SHA-256 of the whole
 * token (Lucia's design). A leaked store is a list of hashes that no browser can present.
 */

const USER_KEY_LENGTH = 22;

/** What identifies one session to a store: its id (the token's hash) and its user's key. */
export interface SessionRef {
  /** SHA-256 of the token, base64url (43 characters): the session's id everywhere. */
  readonly id: string;
  /** {@link sessionUserKey} of the session's user. */
  readonly userKey: string;
}

/**
 * The key that groups `userId`'s sessions: 22 base64url characters (132 bits) of
 * SHA-256(`rampart-sessions:user:` + userId). Stores use it as the user's partition (a Redis
 * hash tag); it is in the cookie, so it never is the user id in clear.
 */
export function sessionUserKey(userId: string): string {
  return createHash('sha256')
    .update(`rampart-sessions:user:${userId}`)
    .digest('base64url')
    .slice(0, USER_KEY_LENGTH);
}

/** The id of the session a token opens: SHA-256 of the token, base64url. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A new session token for `userId` and the ref the store knows it by. */
export function newSessionToken(userId: string): { token: string; ref: SessionRef } {
  const userKey = sessionUserKey(userId);
  const token = `${userKey}.${randomToken()}`;
  return { token, ref: { id: sessionIdOf(token), userKey } };
}

/** `<user key>.<43 random base62><6 base62 CRC32>`: the shape of every token of this package. */
const TOKEN = /^[A-Za-z0-9_-]{22}\.[0-9A-Za-z]{49}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_START = USER_KEY_LENGTH + 1;
const CHECKSUM_START = SECRET_START + 43;

/**
 * True when the secret's last 6 base62 digits are the CRC32 of its first 43, as `randomToken()`
 * writes them. Checked here rather than with crypto's `parseToken`, which validates its format
 * options with zod on every call: two thirds of a session check's CPU (~9 of 14 µs).
 */
function checksumMatches(token: string): boolean {
  let value = 0;
  for (let i = CHECKSUM_START; i < token.length; i++) {
    value = value * 62 + BASE62.indexOf(token[i] as string);
  }
  return value === crc32(token.slice(SECRET_START, CHECKSUM_START));
}

/**
 * The ref of a presented token, or `undefined` when it is not a token of this package (wrong
 * length, alphabet or checksum). Never throws.
 */
export function parseSessionToken(token: string): SessionRef | undefined {
  if (!TOKEN.test(token) || !checksumMatches(token)) return undefined;
  return { id: sessionIdOf(token), userKey: token.slice(0, USER_KEY_LENGTH) };
}

/** A 43-character base64url id, as {@link sessionIdOf} makes them. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
