import {
  type Clock,
  defineSyncTwin,
  parseOptions,
  StoreFullError,
  systemClock,
} from '@rampart/core';
import { memoryStoreOptionsShape } from '@rampart/core/store';
import { z } from 'zod';
import type {
  JwtNonceStore,
  SpendResult,
  TokenLookup,
  TokenRecord,
  TokenRef,
  UserWatermark,
} from '../store.js';
import { type IssuerMapOptions, IssuerState, isBoundTo, type TokenEntry } from './memory-issuer.js';

/** Options of {@link MemoryJwtNonceStore}. */
export interface MemoryJwtNonceStoreOptions {
  /**
   * Most unexpired token records held per issuer (each issue adds two; revoked families and
   * user watermarks are bounded alike). When full, issuing and revoking fail with
   * `StoreFullError` (503) rather than forgetting a revocation. Default 1 000 000.
   */
  maxEntries?: number;
  clock?: Clock;
  /** Background sweep period (unref'd timer); `0` disables it. Default 60 000 ms. */
  sweepIntervalMs?: number;
}

const optionsSchema = z.strictObject(memoryStoreOptionsShape({ maxEntries: 1_000_000 }));

const STORE = 'memory-jwt-nonce-store';

const NOT_FOUND: TokenLookup = Object.freeze({
  status: 'absent',
  issuedAt: undefined,
  familyRevoked: false,
  userRevokedBefore: undefined,
});

/**
 * The embedded `JwtNonceStore`: one process, no server. Every operation is a synchronous map
 * operation, so spending a refresh token is atomic within the process. Use the Redis or Postgres
 * store when several processes verify tokens.
 *
 * @example
 * const tokens = createJwtNonce({ issuer, audience, keys, store: new MemoryJwtNonceStore() });
 */
export class MemoryJwtNonceStore implements JwtNonceStore {
  readonly #clock: Clock;
  readonly #mapOptions: IssuerMapOptions;
  /** State by issuer; issuers are the service's configuration, so they are few. */
  readonly #issuers = new Map<string, IssuerState>();
  /** The issuer last used and its state: a service has one issuer. */
  #lastIssuer: string | undefined;
  #lastState: IssuerState | undefined;
  #closed = false;

  constructor(options: MemoryJwtNonceStoreOptions = {}) {
    const parsed = parseOptions('MemoryJwtNonceStore', optionsSchema, options);
    this.#clock = parsed.clock ?? systemClock;
    // Checked now (by the schema), not when the first issuer's maps are made.
    this.#mapOptions = {
      maxEntries: parsed.maxEntries,
      clock: this.#clock,
      sweepIntervalMs: parsed.sweepIntervalMs,
    };
  }

  record(records: readonly TokenRecord[]): Promise<void> {
    return this.#run(() => {
      for (const record of records) {
        const state = this.#stateFor(record.iss);
        const entry: TokenEntry = {
          status: 'active',
          issuedAt: record.issuedAt,
          sub: record.sub,
          family: record.family,
          kind: record.kind,
        };
        const result = state.tokens.add(record.jti, entry, this.#ttl(record.expiresAt));
        if (result === 'full') this.#full();
        if (result === 'added') state.index(record.sub, `t${record.jti}`);
      }
    });
  }

  lookup(ref: TokenRef): Promise<TokenLookup> {
    return this.#run(() => this.#lookupNow(ref));
  }

  /** {@link lookup}, synchronously: one clock reading, one read of each map, no joined keys. */
  #lookupNow(ref: TokenRef): TokenLookup {
    const { iss, jti, sub, family } = ref;
    const state = this.#existingState(iss);
    if (state === undefined) return NOT_FOUND;
    const now = this.#clock.now();
    const entry = state.tokens.get(jti, now);
    const bound = entry !== undefined && isBoundTo(entry, ref);
    return {
      status: entry === undefined ? 'absent' : bound ? entry.status : 'mismatched',
      issuedAt: bound ? entry.issuedAt : undefined,
      familyRevoked: state.familyRevoked(sub, family, now),
      userRevokedBefore: state.watermarks.get(sub, now),
    };
  }

  spend(ref: TokenRef, requireRecord: boolean): Promise<SpendResult> {
    return this.#run((): SpendResult => {
      const state = this.#stateFor(ref.iss);
      const entry = state.tokens.get(ref.jti);
      const bound = entry !== undefined && isBoundTo(entry, ref);
      const context = {
        issuedAt: bound ? entry.issuedAt : undefined,
        familyRevoked: state.familyRevoked(ref.sub, ref.family, this.#clock.now()),
        userRevokedBefore: state.watermarks.get(ref.sub),
      };
      if (entry !== undefined && !bound) return { outcome: 'mismatched', ...context };
      // Only a refresh token is spent; an access token's id never starts a refresh chain.
      if (ref.kind !== 'refresh') return { outcome: 'invalid', ...context };
      if (entry === undefined) {
        if (requireRecord) return { outcome: 'invalid', ...context };
        const spent: TokenEntry = {
          status: 'spent',
          issuedAt: undefined,
          sub: ref.sub,
          family: ref.family,
          kind: ref.kind,
        };
        if (state.tokens.add(ref.jti, spent, this.#ttl(ref.expiresAt)) === 'full') this.#full();
        state.index(ref.sub, `t${ref.jti}`);
        return { outcome: 'spent', ...context };
      }
      if (entry.status === 'active') {
        entry.status = 'spent';
        return { outcome: 'spent', ...context };
      }
      return { outcome: entry.status === 'spent' ? 'reused' : 'invalid', ...context };
    });
  }

  revoke(ref: TokenRef): Promise<void> {
    return this.#run(() => {
      const state = this.#stateFor(ref.iss);
      const entry = state.tokens.get(ref.jti);
      const ttl = Math.max(this.#ttl(ref.expiresAt), state.tokens.ttl(ref.jti) ?? 0);
      // A record keeps the user, family and kind it was issued to.
      const { sub, family, kind } = entry ?? ref;
      const revoked: TokenEntry = {
        status: 'revoked',
        issuedAt: entry?.issuedAt,
        sub,
        family,
        kind,
      };
      if (!state.tokens.set(ref.jti, revoked, ttl)) this.#full();
      state.index(sub, `t${ref.jti}`);
    });
  }

  revokeFamily(iss: string, sub: string, family: string, expiresAt: number): Promise<void> {
    return this.#run(() => {
      if (!this.#stateFor(iss).revokeFamily(sub, family, this.#ttl(expiresAt))) this.#full();
    });
  }

  revokeAllForUser(watermark: UserWatermark): Promise<void> {
    return this.#run(() => this.#raiseWatermark(watermark));
  }

  purgeUser(userId: string): Promise<void> {
    return this.#run(() => {
      for (const state of this.#issuers.values()) state.purge(userId);
    });
  }

  static {
    // Saves the promise, and the microtask awaiting it, on every access-token verification.
    defineSyncTwin(MemoryJwtNonceStore.prototype, 'lookup', function lookupNow(ref) {
      return this.#lookupNow(ref);
    });
  }

  /** Stops the background sweep timers; issuers seen later get none. */
  close(): void {
    this.#closed = true;
    for (const state of this.#issuers.values()) state.close();
  }

  #raiseWatermark({ iss, sub, at, expiresAt }: UserWatermark): void {
    const { watermarks } = this.#stateFor(iss);
    const current = watermarks.get(sub);
    const ttl = Math.max(this.#ttl(expiresAt), watermarks.ttl(sub) ?? 0);
    if (!watermarks.set(sub, Math.max(current ?? at, at), ttl)) this.#full();
  }

  /** The state of `iss`, or `undefined` when nothing was ever written for it. */
  #existingState(iss: string): IssuerState | undefined {
    if (iss === this.#lastIssuer) return this.#lastState;
    const state = this.#issuers.get(iss);
    if (state !== undefined) {
      this.#lastIssuer = iss;
      this.#lastState = state;
    }
    return state;
  }

  /** The state of `iss`, made at its first write. */
  #stateFor(iss: string): IssuerState {
    let state = this.#existingState(iss);
    if (state === undefined) {
      const options = this.#closed ? { ...this.#mapOptions, sweepIntervalMs: 0 } : this.#mapOptions;
      state = new IssuerState(options);
      this.#issuers.set(iss, state);
      this.#lastIssuer = iss;
      this.#lastState = state;
    }
    return state;
  }

  #ttl(expiresAt: number): number {
    return Math.max(1, expiresAt - this.#clock.now());
  }

  #full(): never {
    throw new StoreFullError(STORE, this.#mapOptions.maxEntries);
  }

  #run<T>(operation: () => T): Promise<T> {
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
