import {
  defineSyncTwin,
  type SecurityEventInit,
  type SecurityRequest,
  type SyncAnswer,
  SyncTwinSite,
} from '@rampart/core';
import {
  type CapturedResponse,
  encodeResponse,
  isKeptStatus,
  type ResponseSealer,
} from './response.js';
import type { IdempotencyLeaseRef, IdempotencyStore } from './store.js';

// The store's synchronous complete and release (the memory store's), for every lease alike.
const completeSite = new SyncTwinSite<IdempotencyStore, 'complete'>('complete');
const releaseSite = new SyncTwinSite<IdempotencyStore, 'release'>('release');

/**
 * The lease the first request with a key holds while its handler runs. The adapter calls exactly
 * one of its methods, once; neither rejects (a store failure is reported as an event, and the
 * lease then frees the key when it runs out).
 */
export interface IdempotencyLease {
  /**
   * Keeps `response` for the key's retries, or, for a status that is not kept (5xx, 401, 403, 408,
   * 409, 423, 425, 429), frees the key so the retry runs again.
   */
  complete(response: CapturedResponse): Promise<void>;
  /** Frees the key at once: the handler failed without a response (the retry runs again). */
  abandon(): Promise<void>;
}

/** What every lease of one `createIdempotency` shares. */
export interface LeaseSettings {
  readonly store: IdempotencyStore;
  readonly emit: (event: SecurityEventInit) => void;
  readonly keptHeaders: ReadonlySet<string>;
  readonly sealer: ResponseSealer | undefined;
  readonly retentionMs: number;
}

/** An event about `request`, with who sent it and where. */
export function eventOf(
  init: SecurityEventInit,
  request: SecurityRequest,
  userId: string,
): SecurityEventInit {
  const event: SecurityEventInit = { ...init, ip: request.ip, userId, method: request.method };
  if (request.route !== undefined) event.route = request.route;
  return event;
}

/** The associated data a sealed response is bound to: its record. */
export function sealedResponseAad(key: string): string {
  return `idempotency-response:${key}`;
}

/** The lease of a claim the store granted: completes or releases it once. */
export class StoreLease implements IdempotencyLease {
  readonly #settings: LeaseSettings;
  readonly #ref: IdempotencyLeaseRef;
  /** The request that claimed the key, for the events. */
  readonly #request: SecurityRequest;
  #settled = false;

  constructor(settings: LeaseSettings, ref: IdempotencyLeaseRef, request: SecurityRequest) {
    this.#settings = settings;
    this.#ref = ref;
    this.#request = request;
  }

  complete(response: CapturedResponse): Promise<void> {
    // #completeNow never throws: a store failure is an event.
    return Promise.resolve(this.#completeNow(response));
  }

  abandon(): Promise<void> {
    if (this.#settled) return Promise.resolve();
    this.#settled = true;
    return Promise.resolve(this.#release());
  }

  static {
    // On the memory store a completion is synchronous: the adapters send the response at once
    // rather than a microtask later (core's fast path, `syncTwinOf(lease, 'complete')`).
    defineSyncTwin(StoreLease.prototype, 'complete', function completeNow(response) {
      return this.#completeNow(response);
    });
  }

  #completeNow(response: CapturedResponse): SyncAnswer<void> {
    if (this.#settled) return;
    this.#settled = true;
    if (!isKeptStatus(response.status)) return this.#release();
    const { store, retentionMs } = this.#settings;
    const { key, userId, leaseId } = this.#ref;
    try {
      const completion = { key, userId, leaseId, response: this.#sealed(response), retentionMs };
      const completeNow = completeSite.twinOf(store, store.complete);
      const completed =
        completeNow === undefined
          ? store.complete(completion)
          : completeNow.call(store, completion);
      if (!(completed instanceof Promise)) return this.#completed(completed);
      return completed.then(
        (kept) => this.#completed(kept),
        (error: unknown) => this.#storeFailed(error),
      );
    } catch (error) {
      this.#storeFailed(error);
    }
  }

  /** The response encoded for the store, sealed when a sealer is given. */
  #sealed(response: CapturedResponse): string {
    const encoded = encodeResponse(response, this.#settings.keptHeaders);
    const { sealer } = this.#settings;
    return sealer === undefined
      ? encoded
      : sealer.seal(Buffer.from(encoded, 'utf8'), { aad: sealedResponseAad(this.#ref.key) });
  }

  #completed(completed: boolean): void {
    if (!completed) {
      this.#emit({ type: 'IDEMPOTENCY_CONFLICT', severity: 'warning', reason: 'lease-expired' });
    }
  }

  #release(): SyncAnswer<void> {
    const { store } = this.#settings;
    try {
      const releaseNow = releaseSite.twinOf(store, store.release);
      const released =
        releaseNow === undefined ? store.release(this.#ref) : releaseNow.call(store, this.#ref);
      if (!(released instanceof Promise)) return;
      return released.then(
        () => undefined,
        (error: unknown) => this.#storeFailed(error),
      );
    } catch (error) {
      this.#storeFailed(error);
    }
  }

  #storeFailed(error: unknown): void {
    this.#emit({
      type: 'STORE_UNAVAILABLE',
      severity: 'warning',
      code: 'ERR_STORE_UNAVAILABLE',
      reason: error instanceof Error ? error.name : 'unknown',
    });
  }

  #emit(init: SecurityEventInit): void {
    this.#settings.emit(eventOf(init, this.#request, this.#ref.userId));
  }
}
