import { randomBytes } from 'node:crypto';
import {
  type Clock,
  type EmitSecurityEvent,
  type RampartError,
  type SyncAnswer,
  SyncTwinSite,
  scopesGrant,
} from '@rampart/core';
import { constantTimeEqual, type KeyedHasher } from '@rampart/crypto';
import {
  type ApiKeyErrorCode,
  ApiKeyRateLimitedError,
  DisabledApiKeyError,
  ExpiredApiKeyError,
  InsufficientScopeError,
  InvalidApiKeyError,
  type InvalidApiKeyReason,
  KEY_POLICY_NAME,
} from './errors.js';
import type { FailureThrottle } from './failure-throttle.js';
import type { ApiKeyFormat } from './format.js';
import { keyRateLimitHeaders } from './key-policy.js';
import type { LastUsedWriter } from './last-used.js';
import type { ApiKeyCheck, ApiKeyLookup, ApiKeyStore } from './store.js';
import type { ApiKeyVerification, VerifiedApiKey, VerifyApiKeyOptions } from './verified-key.js';

/** What a verifier is built from (the service's parts). */
export interface VerifierParts {
  readonly store: ApiKeyStore;
  readonly format: ApiKeyFormat;
  readonly hasher: KeyedHasher;
  readonly clock: Clock;
  readonly emit: EmitSecurityEvent;
  readonly throttle: FailureThrottle | undefined;
  readonly lastUsed: LastUsedWriter;
}

/**
 * The verification of a key text, with `cost` 1 (a request) or 0 (a check that counts nothing):
 * answered at once when nothing had to wait (a memory store), else a promise. Throws only what
 * the store threw.
 */
export type VerifyKey = (
  text: unknown,
  options: VerifyApiKeyOptions | undefined,
  cost: 0 | 1,
) => SyncAnswer<ApiKeyVerification>;

/** `h1.<pepperId>.`: the part of a stored hash that names its pepper. */
function pepperOf(hash: string): string {
  return hash.slice(0, hash.lastIndexOf('.') + 1);
}

/**
 * Builds the hot path: format and checksum (no I/O), the address's block (memory), one store
 * operation, then exactly one constant-time comparison of the presented hash with the stored one
 * the store matched, or with a dummy when it matched none: an unknown id and a wrong secret cost
 * the same work here as a right one.
 */
export function createVerifier(parts: VerifierParts): VerifyKey {
  const { store, format, hasher, clock, emit, throttle, lastUsed } = parts;
  const dummyHash = hasher.hash(randomBytes(32));

  /** The one constant-time comparison of every verification that reached the store. */
  function confirm(presented: readonly string[], matched: string | undefined): boolean {
    const stored = matched ?? dummyHash;
    let candidate = presented[0] as string;
    // With several peppers, compare with the hash under the stored one's pepper.
    if (presented.length > 1) {
      const pepper = pepperOf(stored);
      candidate = presented.find((hash) => hash.startsWith(pepper)) ?? candidate;
    }
    return constantTimeEqual(candidate, stored) && matched !== undefined;
  }

  function refuse(
    error: RampartError,
    keyId: string | undefined,
    options: VerifyApiKeyOptions | undefined,
    reason: string,
    userId?: string,
  ): ApiKeyVerification {
    const type =
      error.status === 429
        ? 'RATE_LIMIT_EXCEEDED'
        : error.status === 403
          ? 'ACCESS_DENIED'
          : 'INVALID_TOKEN';
    emit({
      type,
      severity: 'warning',
      code: error.code,
      reason,
      ...(options?.ip === undefined ? {} : { ip: options.ip }),
      ...(userId === undefined ? {} : { userId }),
      ...(keyId === undefined ? {} : { detail: { keyId } }),
    });
    return { valid: false, code: error.code as ApiKeyErrorCode, error, keyId, ownerId: userId };
  }

  function invalid(
    reason: InvalidApiKeyReason,
    keyId: string,
    options: VerifyApiKeyOptions | undefined,
    ownerId: string | undefined,
  ): SyncAnswer<ApiKeyVerification> {
    const ip = options?.ip;
    if (throttle !== undefined && ip !== undefined && reason !== 'revoked') {
      return throttle
        .recordFailure(ip)
        .then((wait) =>
          wait > 0
            ? refuse(throttle.refusal(wait), keyId, options, reason)
            : refuse(new InvalidApiKeyError(reason), keyId, options, reason, ownerId),
        );
    }
    return refuse(new InvalidApiKeyError(reason), keyId, options, reason, ownerId);
  }

  function accepted(
    id: string,
    environment: string,
    lookup: ApiKeyLookup,
    options: VerifyApiKeyOptions | undefined,
    now: number,
  ): ApiKeyVerification {
    const ownerId = lookup.ownerId as string;
    const scopes = lookup.scopes as readonly string[];
    const needed = options?.scopes;
    if (needed !== undefined && needed.length > 0) {
      const missing = needed.filter((scope) => !scopesGrant(scopes, scope));
      if (missing.length > 0) {
        return refuse(new InsufficientScopeError(missing), id, options, 'scope', ownerId);
      }
    }
    lastUsed.note(id, lookup.lastUsedAt, now);
    const key: VerifiedApiKey = {
      id,
      ownerId,
      environment,
      scopes,
      expiresAt: lookup.expiresAt,
      rotationDueAt: lookup.rotationDueAt,
      usedPreviousKey: lookup.matchedPrevious,
      rateLimit: lookup.rateLimit,
    };
    return { valid: true, key };
  }

  /** What the store's lookup means for the key presented. */
  function decide(
    check: ApiKeyCheck,
    environment: string,
    lookup: ApiKeyLookup,
    options: VerifyApiKeyOptions | undefined,
  ): SyncAnswer<ApiKeyVerification> {
    const { id, now } = check;
    const outcome = confirm(check.secretHashes, lookup.matchedHash)
      ? lookup.outcome
      : lookup.outcome === 'unknown'
        ? 'unknown'
        : 'mismatch';
    switch (outcome) {
      case 'unknown':
      case 'mismatch':
      case 'revoked':
        return invalid(outcome, id, options, outcome === 'revoked' ? lookup.ownerId : undefined);
      case 'expired':
        return refuse(new ExpiredApiKeyError(), id, options, 'expired', lookup.ownerId);
      case 'disabled':
        return refuse(new DisabledApiKeyError(), id, options, 'disabled', lookup.ownerId);
      case 'limited': {
        const limit = lookup.rateLimit;
        const error = new ApiKeyRateLimitedError(
          KEY_POLICY_NAME,
          limit?.retryAfterMs ?? 1000,
          limit === undefined ? {} : keyRateLimitHeaders(limit),
          limit,
        );
        return refuse(error, id, options, 'key-limit', lookup.ownerId);
      }
      case 'valid':
        return accepted(id, environment, lookup, options, now);
    }
  }

  const storeVerify = new SyncTwinSite<ApiKeyStore, 'verify'>('verify');

  return function verifyKey(text, options, cost) {
    const parsed = format.parse(text);
    if (parsed === undefined) {
      return refuse(new InvalidApiKeyError('malformed'), undefined, options, 'malformed');
    }
    const { id, environment } = parsed;
    const ip = options?.ip;
    if (throttle !== undefined && ip !== undefined) {
      const wait = throttle.blockedFor(ip);
      if (wait > 0) {
        return refuse(throttle.refusal(wait), id, options, 'blocked');
      }
    }
    // The whole key is hashed, so the stored hash binds the environment and id to the secret.
    const check: ApiKeyCheck = {
      id,
      secretHashes: hasher.hashAll(text as string),
      now: clock.now(),
      cost,
    };
    const verifyNow = storeVerify.twinOf(store, store.verify);
    if (verifyNow === undefined) {
      return Promise.resolve(store.verify(check)).then((lookup) =>
        decide(check, environment, lookup, options),
      );
    }
    const lookup = verifyNow.call(store, check);
    if (lookup instanceof Promise) {
      return lookup.then((found) => decide(check, environment, found, options));
    }
    return decide(check, environment, lookup, options);
  };
}
