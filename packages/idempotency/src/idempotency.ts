import { randomUUID } from 'node:crypto';
import {
  type AuthContext,
  authRequiredError,
  createEventEmitter,
  defineSyncTwin,
  internalError,
  parseOptions,
  type SecurityRequest,
  type SyncAnswer,
  SyncTwinSite,
  systemClock,
  type UserDataPurger,
} from '@rampart/core';
import { inFlightError, keyMissingError, keyReusedError, responseNotKeptError } from './errors.js';
import { recordKey, requestFingerprint } from './fingerprint.js';
import { idempotencyKeyOf } from './key-header.js';
import {
  eventOf,
  type IdempotencyLease,
  type LeaseSettings,
  StoreLease,
  sealedResponseAad,
} from './lease.js';
import { type IdempotencyOptions, idempotencyOptionsSchema } from './options.js';
import {
  DEFAULT_REPLAY_HEADERS,
  decodeResponse,
  type ReplayResponse,
  type ResponseSealer,
} from './response.js';
import type { IdempotencyClaim, IdempotencyClaimResult, IdempotencyStore } from './store.js';
import { MemoryIdempotencyStore } from './stores/memory.js';

/**
 * What to do with a request: run the handler (holding `lease` when the request carries a key),
 * or send a kept response again.
 */
export type IdempotencyStart =
  | { readonly action: 'proceed'; readonly lease: IdempotencyLease | undefined }
  | { readonly action: 'replay'; readonly response: ReplayResponse };

/** Per-route choices of the adapters. */
export interface IdempotencyRouteOptions {
  /** Refuse a request without `Idempotency-Key` (400 `ERR_IDEMPOTENCY_KEY_MISSING`). Default `false`. */
  required?: boolean;
}

export type { IdempotencyLease };

/** The framework-neutral handling of `Idempotency-Key`; the adapters drive it. */
export interface Idempotency extends UserDataPurger {
  /**
   * Reads the request's `Idempotency-Key` and claims it. Resolves `proceed` (with a lease to
   * complete, or none when the request has no key and the route does not require one) or
   * `replay`; rejects with a `RampartError`: 400 (missing or invalid key), 401 (no auth context:
   * keys belong to a principal), 409 (in flight, with `Retry-After`; or a response not kept), 422
   * (the key was used for another request), 503 (store unavailable or full). `request.route` must
   * be the matched route and `request.rawBody` the exact body bytes (both set by core's
   * `toSecurityRequest` inside the route with `jsonBody()` / `rampartCore`).
   */
  begin(
    request: SecurityRequest,
    auth: AuthContext | undefined,
    route?: IdempotencyRouteOptions,
  ): Promise<IdempotencyStart>;
  /** Largest response body kept, in bytes: what an adapter collects at most. */
  readonly maxResponseBytes: number;
  /** Forgets every record of `userId` in the store. */
  purgeUser(userId: string): Promise<void>;
}

const SOURCE = '@rampart/idempotency';
const PROCEED_WITHOUT_LEASE: IdempotencyStart = Object.freeze({
  action: 'proceed',
  lease: undefined,
});

function principalOf(auth: AuthContext, kind: 'user' | 'credential'): string {
  return kind === 'user' ? `user:${auth.userId}` : `${auth.method}:${auth.credentialId}`;
}

/**
 * Creates the Idempotency-Key handling of an API (draft-ietf-httpapi-idempotency-key-header, with
 * Stripe's 24-hour retention and replay). The first request with a key claims it atomically and
 * runs; its response is kept; a retry with the same fingerprint (method, matched route, target,
 * principal, raw body bytes) gets it again with `Idempotency-Replayed: true`; another request with
 * the key gets 422; a retry while the first runs gets 409. Mount the adapters after
 * authentication and after request signing.
 *
 * @example
 * const idempotency = createIdempotency({ store: new RedisIdempotencyStore({ redis }) });
 * app.post('/api/v1/payments', authenticate([...]), idempotent({ idempotency }), handler);
 */
export function createIdempotency(options: IdempotencyOptions = {}): Idempotency {
  const parsed = parseOptions('createIdempotency', idempotencyOptionsSchema, options);
  const clock = parsed.clock ?? systemClock;
  const store: IdempotencyStore = parsed.store ?? new MemoryIdempotencyStore({ clock });
  const emit = createEventEmitter({ source: SOURCE, clock, onEvent: parsed.onEvent });
  const keptHeaders: ReadonlySet<string> = new Set([
    ...DEFAULT_REPLAY_HEADERS,
    ...parsed.replayHeaders.map((name) => name.toLowerCase()),
  ]);
  const { leaseMs, maxResponseBytes, sealer } = parsed;
  const routeScoped = parsed.scope === 'route';
  const leaseSettings: LeaseSettings = {
    store,
    emit,
    keptHeaders,
    sealer,
    retentionMs: parsed.retentionMs,
  };

  // The store's synchronous claim (the memory store's), asked again only when its method changes.
  const claimSite = new SyncTwinSite<IdempotencyStore, 'claim'>('claim');

  /**
   * `begin`'s synchronous twin (core's fast path): the answer itself when the store claims in
   * process, a promise of it otherwise; refusals are thrown.
   */
  function beginNow(
    request: SecurityRequest,
    auth: AuthContext | undefined,
    route: IdempotencyRouteOptions = {},
  ): SyncAnswer<IdempotencyStart> {
    const key = idempotencyKeyOf(request.headers);
    if (key === undefined) {
      if (route.required === true) throw keyMissingError();
      return PROCEED_WITHOUT_LEASE;
    }
    if (auth === undefined) throw authRequiredError();
    if (request.route === undefined) {
      throw new Error(
        'idempotency: the request has no matched route; mount the middleware in the route itself (app.post(path, …, idempotent(), handler)).',
      );
    }
    const principal = principalOf(auth, parsed.principal);
    const claim: IdempotencyClaim = {
      key: recordKey(principal, routeScoped ? `${request.method} ${request.route}` : '', key),
      userId: auth.userId,
      fingerprint: requestFingerprint({
        method: request.method,
        route: request.route,
        target: request.url,
        principal,
        body: request.rawBody ?? EMPTY,
      }),
      // randomUUID draws from a cached entropy pool: randomBytes(16) was a fifth of a claim's CPU.
      leaseId: randomUUID(),
      leaseMs,
    };
    const claimNow = claimSite.twinOf(store, store.claim);
    const claimed = claimNow === undefined ? store.claim(claim) : claimNow.call(store, claim);
    if (claimed instanceof Promise) {
      return claimed.then((settled) => startOf(settled, claim, request));
    }
    return startOf(claimed, claim, request);
  }

  /** What the store's answer to `claim` means for the request. */
  function startOf(
    claimed: IdempotencyClaimResult,
    claim: IdempotencyClaim,
    request: SecurityRequest,
  ): IdempotencyStart {
    switch (claimed.outcome) {
      case 'acquired':
        return { action: 'proceed', lease: new StoreLease(leaseSettings, claim, request) };
      case 'in-flight':
        emit(
          eventOf(
            {
              type: 'IDEMPOTENCY_CONFLICT',
              severity: 'info',
              code: 'ERR_IDEMPOTENCY_IN_FLIGHT',
              reason: 'in-flight',
            },
            request,
            claim.userId,
          ),
        );
        throw inFlightError(claimed.retryAfterMs);
      case 'mismatch':
        emit(
          eventOf(
            {
              type: 'IDEMPOTENCY_CONFLICT',
              severity: 'warning',
              code: 'ERR_IDEMPOTENCY_KEY_REUSED',
              reason: 'fingerprint-mismatch',
            },
            request,
            claim.userId,
          ),
        );
        throw keyReusedError();
      case 'completed': {
        const decoded = openResponse(claimed.response, claim.key, sealer);
        if (!decoded.kept) throw responseNotKeptError();
        return { action: 'replay', response: decoded.replay };
      }
    }
  }

  function begin(
    request: SecurityRequest,
    auth: AuthContext | undefined,
    route?: IdempotencyRouteOptions,
  ): Promise<IdempotencyStart> {
    try {
      return Promise.resolve(beginNow(request, auth, route));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  const idempotency: Idempotency = Object.freeze({
    begin,
    maxResponseBytes,
    purgeUser: (userId: string) => store.purgeUser(userId),
  });
  // Saves the adapters a promise and the microtask awaiting it on every request with a key.
  defineSyncTwin(idempotency, 'begin', beginNow);
  return idempotency;
}

const EMPTY = new Uint8Array(0);

/** Opens (when sealed) and decodes a kept response; a record that does not read is a 500. */
function openResponse(
  stored: string,
  key: string,
  sealer: ResponseSealer | undefined,
): ReturnType<typeof decodeResponse> {
  try {
    const text =
      sealer === undefined
        ? stored
        : Buffer.from(sealer.open(stored, { aad: sealedResponseAad(key) })).toString('utf8');
    return decodeResponse(text);
  } catch (error) {
    throw internalError(error);
  }
}
