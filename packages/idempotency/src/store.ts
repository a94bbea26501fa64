import { badRequest, type RampartError, type UserDataPurger } from '@rampart/core';

/**
 * One attempt to take an idempotency key: made by the first request that carries it, and by each
 * retry. Every field is computed by `createIdempotency`; a store only compares and keeps them.
 */
export interface IdempotencyClaim {
  /**
   * The record's key: a SHA-256 (base64url, 43 characters) of the principal, the route when keys
   * are scoped per route, and the `Idempotency-Key`. Never the header in clear.
   */
  readonly key: string;
  /** The user the record belongs to, for `purgeUser`. 1 to 256 characters. */
  readonly userId: string;
  /** The request's fingerprint: a SHA-256 (base64url, 43 characters). */
  readonly fingerprint: string;
  /** A random id of this attempt's lease: a version 4 UUID in lower case. */
  readonly leaseId: string;
  /** How long the lease holds the key if it is never completed (a crashed handler), in ms. */
  readonly leaseMs: number;
}

/** Names a lease: the record's key, its user and the lease id the claim chose. */
export interface IdempotencyLeaseRef {
  readonly key: string;
  readonly userId: string;
  readonly leaseId: string;
}

/** Stores the response of the request that holds a lease. */
export interface IdempotencyCompletion extends IdempotencyLeaseRef {
  /** The encoded (possibly sealed) response, opaque to the store. */
  readonly response: string;
  /** How long the response is kept from now, in ms. */
  readonly retentionMs: number;
}

/**
 * The answer to a claim:
 * - `acquired`: the key was free (never used, or its lease or retention ran out); the caller
 *   holds the lease and runs the handler.
 * - `in-flight`: another request with the same fingerprint holds an unexpired lease.
 * - `mismatch`: the key is held (in flight or completed) by a request with another fingerprint.
 * - `completed`: the response stored for the same fingerprint, to replay.
 */
export type IdempotencyClaimResult =
  | { readonly outcome: 'acquired' }
  | { readonly outcome: 'in-flight'; readonly retryAfterMs: number }
  | { readonly outcome: 'mismatch' }
  | { readonly outcome: 'completed'; readonly response: string };

/**
 * Where idempotency records live. Every operation is atomic on its own: of any number of racing
 * claims of one key, exactly one is `acquired` while the key is free, on every process sharing
 * the store. An expired lease or record is invisible at once. Stores fail closed: an unreachable
 * backend rejects with `StoreUnavailableError` (503), a full memory store with `StoreFullError`.
 * Arguments are checked by {@link assertClaim} and its siblings (400 `ERR_IDEMPOTENCY_STORE_ARGUMENT`).
 */
export interface IdempotencyStore extends UserDataPurger {
  /** Takes the key for `claim.leaseMs`, or says who holds it. One round trip. */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaimResult>;
  /**
   * Stores the response under the key for `retentionMs`, only while `leaseId` still holds an
   * unexpired lease on it; resolves whether it did. One round trip.
   */
  complete(completion: IdempotencyCompletion): Promise<boolean>;
  /**
   * Frees the key at once, only while `leaseId` holds its lease (a response that is not kept, such
   * as a 5xx, so the retry runs again); resolves whether it did.
   */
  release(lease: IdempotencyLeaseRef): Promise<boolean>;
  /** Forgets every record of `userId` (right to erasure). */
  purgeUser(userId: string): Promise<void>;
}

/** A SHA-256 in base64url without padding: the record key and the fingerprint. */
const DIGEST = /^[A-Za-z0-9_-]{43}$/;
/** A lease id: a random (version 4) UUID, as `crypto.randomUUID()` makes it. */
const LEASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Longest lease and retention a store accepts: 30 days. */
export const MAX_IDEMPOTENCY_TTL_MS = 30 * 86_400_000;
/** Longest user id a store accepts. */
export const MAX_USER_ID_LENGTH = 256;
/** The largest `maxResponseBytes` `createIdempotency` accepts: 16 MiB. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Room for the status and the kept headers in an encoded response. */
const ENCODED_HEADERS_ROOM = 1024 * 1024;
/**
 * Longest encoded response a store accepts: the largest body in base64 with room for its headers,
 * then sealed (the base64url of it with an IV and a tag grows it by a third, plus the sealed text's
 * prefix), so any response `maxResponseBytes` allows is kept, sealed or not (~29.8 MiB).
 */
export const MAX_ENCODED_RESPONSE_LENGTH =
  Math.ceil(((4 * Math.ceil(MAX_RESPONSE_BYTES / 3) + ENCODED_HEADERS_ROOM + 64) * 4) / 3) + 256;

function invalid(detail: string): RampartError {
  return badRequest('ERR_IDEMPOTENCY_STORE_ARGUMENT', detail);
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' || !DIGEST.test(key)) {
    throw invalid('The record key must be a base64url SHA-256 (43 characters).');
  }
}

function checkLeaseId(leaseId: unknown): void {
  if (typeof leaseId !== 'string' || !LEASE_ID.test(leaseId)) {
    throw invalid('The lease id must be a random UUID in lower case.');
  }
}

function checkTtl(name: string, ms: unknown): void {
  if (
    typeof ms !== 'number' ||
    !Number.isSafeInteger(ms) ||
    ms < 1 ||
    ms > MAX_IDEMPOTENCY_TTL_MS
  ) {
    throw invalid(`${name} must be a whole number of milliseconds from 1 to 30 days.`);
  }
}

/** Throws unless `userId` is a string of 1 to 256 characters. */
export function assertUserId(userId: unknown): void {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
    throw invalid('The user id must be 1 to 256 characters.');
  }
}

/** The checks every store applies to a claim before touching its backend. */
export function assertClaim(claim: IdempotencyClaim): void {
  checkKey(claim.key);
  assertUserId(claim.userId);
  if (typeof claim.fingerprint !== 'string' || !DIGEST.test(claim.fingerprint)) {
    throw invalid('The fingerprint must be a base64url SHA-256 (43 characters).');
  }
  checkLeaseId(claim.leaseId);
  checkTtl('leaseMs', claim.leaseMs);
}

/** The checks every store applies to a completion. */
export function assertCompletion(completion: IdempotencyCompletion): void {
  assertLeaseRef(completion);
  if (
    typeof completion.response !== 'string' ||
    completion.response.length === 0 ||
    completion.response.length > MAX_ENCODED_RESPONSE_LENGTH
  ) {
    throw invalid('The response must be a non-empty string of at most 24 MiB.');
  }
  checkTtl('retentionMs', completion.retentionMs);
}

/** The checks every store applies to a release (and to the lease a completion names). */
export function assertLeaseRef(lease: IdempotencyLeaseRef): void {
  checkKey(lease.key);
  assertUserId(lease.userId);
  checkLeaseId(lease.leaseId);
}
