import { randomBytes } from 'node:crypto';
import {
  createEventEmitter,
  defineSyncTwin,
  MAX_NONCE_TTL_MS,
  parseOptions,
  type SecurityEventInit,
  type SecurityEventType,
  type SecurityRequest,
  type SyncAnswer,
  syncTwinOf,
  systemClock,
} from '@rampart/core';
import { parseRampartV1 } from '../rampart-v1/parse.js';
import { parseRfc9421 } from '../rfc9421/parse.js';
import {
  nonceReplayedError,
  SIGNATURE_ERROR_CODES,
  type SignatureErrorCode,
  SignatureRejection,
  signatureHeadersError,
  signatureInvalidError,
  timestampOutOfRangeError,
} from '../shared/errors.js';
import { type HmacSha256Key, importSigningSecret } from '../shared/hmac-key.js';
import type { ParsedSignature, SignatureScheme } from '../shared/parsed-signature.js';
import { importResolved, type SigningSecrets } from './secrets.js';
import { type RequestVerifierOptions, requestVerifierOptionsSchema } from './verifier-options.js';

export type { RequestVerifierOptions };

/** What a verified request tells the handler. */
export interface VerifiedSignature {
  scheme: SignatureScheme;
  keyId: string;
  nonce: string;
  /** Unix milliseconds the signer put on the request. */
  signedAt: number;
}

/** Verifies signed requests; create it once with {@link createRequestVerifier}. */
export interface RequestVerifier {
  /**
   * Resolves the verified signature, or rejects with a 401 `RampartError`
   * (`ERR_SIGNATURE_HEADERS`, `ERR_TIMESTAMP_OUT_OF_RANGE`, `ERR_SIGNATURE_INVALID`,
   * `ERR_NONCE_REPLAYED`), or with the nonce store's 503 when it is unavailable or full.
   *
   * It has a synchronous twin (`syncTwinOf(verifier, 'verify')`, core's fast-path convention),
   * which the Express and Fastify adapters call: with a nonce store whose claim has a twin
   * (`MemoryNonceStore`) and a synchronous `getSecrets`, it returns the verified signature and
   * throws the refusal, with no promise at all.
   */
  verify(request: SecurityRequest): Promise<VerifiedSignature>;
  /** The TTL each nonce is claimed for: both windows plus a second. */
  readonly nonceTtlMs: number;
}

function isPromiseLike(value: unknown): value is PromiseLike<SigningSecrets> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The event each refusal emits: a signature that is missing, malformed or wrong is an
 * `INVALID_SIGNATURE`; a request the replay defence refused (a nonce seen before, a timestamp
 * outside the window) an `INVALID_NONCE`.
 */
const EVENT_OF: Readonly<Record<SignatureErrorCode, SecurityEventType>> = Object.freeze({
  [SIGNATURE_ERROR_CODES.headers]: 'INVALID_SIGNATURE',
  [SIGNATURE_ERROR_CODES.invalid]: 'INVALID_SIGNATURE',
  [SIGNATURE_ERROR_CODES.timestamp]: 'INVALID_NONCE',
  [SIGNATURE_ERROR_CODES.replayed]: 'INVALID_NONCE',
});

/** Every verifier `createRequestVerifier` made: the adapters accept no other. */
const madeVerifiers = new WeakSet<object>();

/** Whether `value` is a verifier `createRequestVerifier` made. */
export function isRequestVerifier(value: unknown): value is RequestVerifier {
  return typeof value === 'object' && value !== null && madeVerifiers.has(value);
}

/** Scopes of other users of a shared nonce store (token families …) never meet ours. */
const SCOPE_PREFIX = 'request-signing:';
/** Nonce scopes remembered, one per key id that claimed; forgotten all at once when full. */
const MAX_CACHED_SCOPES = 10_000;

/**
 * Creates the verifier of signed requests, for both schemes:
 *
 * 1. strict parsing of the signature headers (401 `ERR_SIGNATURE_HEADERS`);
 * 2. the timestamp within `maxAgeMs` before and `maxFutureMs` after now
 *    (401 `ERR_TIMESTAMP_OUT_OF_RANGE`);
 * 3. HMAC-SHA256 over the raw bytes, compared in constant time against every secret
 *    `getSecrets(keyId)` returns; an unknown key id costs the same HMAC and gets the same 401
 *    `ERR_SIGNATURE_INVALID`;
 * 4. only then the nonce is claimed, scoped to the key id, for both windows: a forged request
 *    never writes to the store (401 `ERR_NONCE_REPLAYED` for a replay).
 *
 * @example
 * const verifier = createRequestVerifier({
 *   getSecrets: staticSigningSecrets({ 'client-a': process.env.CLIENT_A_SECRET! }),
 *   nonceStore: new MemoryNonceStore(),
 * });
 * const { keyId } = await verifier.verify(securityRequest);
 */
export function createRequestVerifier(options: RequestVerifierOptions): RequestVerifier {
  const config = parseOptions('createRequestVerifier', requestVerifierOptionsSchema, options);
  const clock = config.clock ?? systemClock;
  const acceptV1 = config.schemes.includes('rampart-v1');
  const acceptRfc = config.schemes.includes('rfc9421');
  const nonceTtlMs = Math.min(config.maxAgeMs + config.maxFutureMs + 1000, MAX_NONCE_TTL_MS);
  const rfcOptions = { ...config.rfc9421, policy: 'replay-proof' as const };
  // An unknown key id is checked against this throwaway key, so it costs what a known one does.
  const decoy = importSigningSecret(randomBytes(32));
  const store = config.nonceStore;
  const emit = createEventEmitter({
    source: '@rampart/request-signing',
    clock,
    onEvent: config.onEvent,
  });

  function parse(request: SecurityRequest): ParsedSignature {
    const headers = request.headers;
    const v1 = headers['x-signature'] !== undefined;
    const rfc = headers['signature-input'] !== undefined || headers.signature !== undefined;
    if (v1 && rfc) throw signatureHeadersError('Send one signature scheme, not both.');
    if (rfc && acceptRfc) return parseRfc9421(request, rfcOptions);
    if (!rfc && acceptV1) return parseRampartV1(request);
    throw signatureHeadersError(
      acceptV1
        ? 'Sign the request: X-Key-Id, X-Nonce, X-Timestamp and X-Signature are required.'
        : 'Sign the request with RFC 9421 Signature-Input and Signature.',
    );
  }

  // A resolver that answers the same frozen array (as `staticSigningSecrets` does) is imported
  // once. Only frozen: a mutable array may lose a revoked secret, which must then stop working.
  const importedAnswers = new WeakMap<object, HmacSha256Key[]>();
  // The last frozen answer and its keys: a verifier with one busy client skips the WeakMap.
  let lastAnswer: unknown;
  let lastKeys: readonly HmacSha256Key[] = [];
  function keysOf(keyId: string, answer: SigningSecrets): readonly HmacSha256Key[] {
    if (answer === lastAnswer) return lastKeys;
    if (!Array.isArray(answer) || !Object.isFrozen(answer)) {
      return importResolved(keyId, answer);
    }
    let keys = importedAnswers.get(answer);
    if (keys === undefined) {
      keys = importResolved(keyId, answer);
      importedAnswers.set(answer, keys);
    }
    lastAnswer = answer;
    lastKeys = keys;
    return keys;
  }

  // The scope of each key id, joined once: a new joined string per claim cost the store a flatten
  // and a hash on every lookup (about 0.7 µs of a 10 µs verification). Only key ids whose
  // signature matched get here, so strangers cannot fill it.
  const scopes = new Map<string, string>();
  // The last key id and its scope: comparing a short string beats hashing it for the map.
  let lastKeyId = '';
  let lastScope = '';
  function scopeOf(keyId: string): string {
    if (keyId === lastKeyId) return lastScope;
    let scope = scopes.get(keyId);
    if (scope === undefined) {
      if (scopes.size >= MAX_CACHED_SCOPES) scopes.clear();
      scope = SCOPE_PREFIX + keyId;
      scopes.set(keyId, scope);
    }
    lastKeyId = keyId;
    lastScope = scope;
    return scope;
  }

  function checkSignature(parsed: ParsedSignature, keys: readonly HmacSha256Key[]): void {
    let matched = false;
    if (keys.length === 0) parsed.matches(decoy);
    // Every secret is tried, so the time does not say which one matched.
    for (const key of keys) if (parsed.matches(key)) matched = true;
    if (!matched) {
      throw signatureInvalidError(
        keys.length === 0 ? 'unknown key id' : 'signature mismatch',
        parsed.keyId,
      );
    }
    if (!parsed.bodyMatches()) throw signatureInvalidError('content-digest mismatch', parsed.keyId);
  }

  /** Reports a refusal as its security event and hands the error back to be thrown. */
  function reported(request: SecurityRequest, error: unknown, scheme?: SignatureScheme): unknown {
    if (error instanceof SignatureRejection) {
      const detail: Record<string, string> = {};
      if (error.keyId !== undefined) detail.keyId = error.keyId;
      if (scheme !== undefined) detail.scheme = scheme;
      const event: SecurityEventInit = {
        type: EVENT_OF[error.code],
        severity: error.code === SIGNATURE_ERROR_CODES.replayed ? 'critical' : 'warning',
        code: error.code,
        reason: error.reason,
        ip: request.ip,
        method: request.method,
        detail,
      };
      if (request.route !== undefined) event.route = request.route;
      emit(event);
    }
    return error;
  }

  function verified(parsed: ParsedSignature): VerifiedSignature {
    return {
      scheme: parsed.scheme,
      keyId: parsed.keyId,
      nonce: parsed.nonce,
      signedAt: parsed.signedAtMs,
    };
  }

  function replayed(request: SecurityRequest, parsed: ParsedSignature): unknown {
    return reported(request, nonceReplayedError(parsed.keyId), parsed.scheme);
  }

  function claimed(request: SecurityRequest, parsed: ParsedSignature, fresh: boolean) {
    if (!fresh) throw replayed(request, parsed);
    return verified(parsed);
  }

  /** Signature, then body, then (only for a genuine request) the one store round trip. */
  function finish(
    request: SecurityRequest,
    parsed: ParsedSignature,
    answer: SigningSecrets,
  ): SyncAnswer<VerifiedSignature> {
    try {
      checkSignature(parsed, keysOf(parsed.keyId, answer));
    } catch (error) {
      throw reported(request, error, parsed.scheme);
    }
    const scope = scopeOf(parsed.keyId);
    const claimNow = syncTwinOf(store, 'claim');
    // `Promise.resolve`: a store answering with another thenable still yields a real promise,
    // which is how the twin's callers tell a pending answer from a verified one.
    const fresh =
      claimNow === undefined
        ? Promise.resolve(store.claim(scope, parsed.nonce, nonceTtlMs))
        : claimNow.call(store, scope, parsed.nonce, nonceTtlMs);
    if (fresh instanceof Promise) {
      return fresh.then(function onClaim(isFresh) {
        return claimed(request, parsed, isFresh);
      });
    }
    return claimed(request, parsed, fresh);
  }

  // Synchronous up to the store (and to `getSecrets`, when it answers with a promise): no
  // promise is made for work that is not I/O.
  function verifyNow(request: SecurityRequest): SyncAnswer<VerifiedSignature> {
    let parsed: ParsedSignature | undefined;
    let answer: SigningSecrets | Promise<SigningSecrets>;
    try {
      parsed = parse(request);
      const now = clock.now();
      const tooOld = parsed.signedAtMs < now - config.maxAgeMs;
      const tooNew = parsed.signedAtMs > now + config.maxFutureMs;
      const expired = parsed.expiresAtMs !== undefined && parsed.expiresAtMs < now;
      if (tooOld || tooNew || expired) throw timestampOutOfRangeError(parsed.keyId, parsed.scheme);
      answer = config.getSecrets(parsed.keyId);
    } catch (error) {
      throw reported(request, error, parsed?.scheme);
    }
    const signature = parsed;
    if (isPromiseLike(answer)) {
      return Promise.resolve(answer).then((resolved) => finish(request, signature, resolved));
    }
    return finish(request, signature, answer);
  }

  function verify(request: SecurityRequest): Promise<VerifiedSignature> {
    try {
      const result = verifyNow(request);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  const verifier: RequestVerifier = Object.freeze({ verify, nonceTtlMs });
  // Saves the promise, and the microtask awaiting it, on each request the adapters verify (a
  // tenth of a verification on the memory store).
  defineSyncTwin(verifier, 'verify', verifyNow);
  madeVerifiers.add(verifier);
  return verifier;
}
