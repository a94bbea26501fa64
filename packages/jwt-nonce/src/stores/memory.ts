import {
  BoundedExpiringMap,
  type Clock,
  nonceKey,
  RampartConfigError,
  StoreFullError,
  systemClock,
} from '@rampart/core';
import type {
  JwtNonceStore,
  SpendResult,
  TokenLookup,
  TokenRecord,
  TokenRef,
  TokenStatus,
} from '../store.js';

/** Options of {@link MemoryJwtNonceStore}. */
export interface MemoryJwtNonceStoreOptions {
  /**
   * Most unexpired token records held (each issue adds two). When full, issuing and revoking
   * fail with `StoreFullError` (503) rather than forgetting a revocation. Default 1 000 000.
   */
  maxEntries?: number;
  clock?: Clock;
  /** Background sweep period (unref'd timer); `0` disables it. Default 60 000 ms. */
  sweepIntervalMs?: number;
}

interface TokenEntry {
  status: Exclude<TokenStatus, 'absent'>;
  issuedAt: number | undefined;
  sub: string;
}

const STORE = 'memory-jwt-nonce-store';

/**
 * The synchronous lookup, for the service's hot path only (not exported from the package): the
 * same answer as `lookup` without the promise, since the memory store does no I/O.
 */
export const lookupNow: unique symbol = Symbol('MemoryJwtNonceStore.lookupNow');

/** (iss, sub) and (iss, x) keys, length-prefixed so no two pairs collide. */
const userKey = (iss: string, sub: string) => nonceKey(iss, sub);
const familyKey = (iss: string, sub: string, family: string) => nonceKey(userKey(iss, sub), family);

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
  readonly #tokens: BoundedExpiringMap<TokenEntry>;
  readonly #families: BoundedExpiringMap<true>;
  readonly #watermarks: BoundedExpiringMap<number>;
  /** Token keys by user, for `purgeUser`; pruned of expired keys as it grows. */
  readonly #byUser = new Map<string, Set<string>>();
  #pruneCursor: Iterator<[string, Set<string>]> | undefined;
  /** The issuer last looked up, and `nonceKey(issuer, '')`. */
  #issuer: string | undefined;
  #issuerPrefix = '';

  constructor(options: MemoryJwtNonceStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new RampartConfigError('MemoryJwtNonceStore', 'options must be an object');
    }
    this.#clock = options.clock ?? systemClock;
    const common = {
      maxEntries: options.maxEntries ?? 1_000_000,
      whenFull: 'refuse' as const,
      clock: this.#clock,
      sweepIntervalMs: options.sweepIntervalMs,
    };
    this.#tokens = new BoundedExpiringMap(common);
    this.#families = new BoundedExpiringMap(common);
    this.#watermarks = new BoundedExpiringMap(common);
  }

  record(records: readonly TokenRecord[]): Promise<void> {
    return this.#run(() => {
      for (const record of records) {
        const entry: TokenEntry = { status: 'active', issuedAt: record.issuedAt, sub: record.sub };
        const result = this.#tokens.add(this.#tokenKey(record), entry, this.#ttl(record.expiresAt));
        if (result === 'full') this.#full();
        if (result === 'added') this.#index(record.iss, record.sub, `t${this.#tokenKey(record)}`);
      }
    });
  }

  lookup(ref: TokenRef): Promise<TokenLookup> {
    return this.#run(() => this[lookupNow](ref.iss, ref.jti, ref.sub, ref.family));
  }

  /** {@link lookup}, synchronously: one read of each map, no closure, no spread. */
  [lookupNow](iss: string, jti: string, sub: string, family: string): TokenLookup {
    // `nonceKey(iss, x)` is `${iss.length}:${iss}:${x}`; a service has one issuer, so its prefix
    // is built once and the two keys below are one concatenation each.
    if (iss !== this.#issuer) {
      this.#issuer = iss;
      this.#issuerPrefix = nonceKey(iss, '');
    }
    const entry = this.#tokens.get(this.#issuerPrefix + jti);
    const user = this.#issuerPrefix + sub;
    return {
      status: entry === undefined ? 'absent' : entry.status,
      issuedAt: entry?.issuedAt,
      familyRevoked: this.#families.has(nonceKey(user, family)),
      userRevokedBefore: this.#watermarks.get(user),
    };
  }

  spend(ref: TokenRef, requireRecord: boolean): Promise<SpendResult> {
    return this.#run((): SpendResult => {
      const key = this.#tokenKey(ref);
      const entry = this.#tokens.get(key);
      const context = this.#context(ref, entry);
      if (entry === undefined) {
        if (requireRecord) return { outcome: 'invalid', ...context };
        const spent: TokenEntry = { status: 'spent', issuedAt: undefined, sub: ref.sub };
        if (this.#tokens.add(key, spent, this.#ttl(ref.expiresAt)) === 'full') this.#full();
        this.#index(ref.iss, ref.sub, `t${key}`);
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
      const key = this.#tokenKey(ref);
      const entry = this.#tokens.get(key);
      const ttl = Math.max(this.#ttl(ref.expiresAt), this.#tokens.ttl(key) ?? 0);
      const revoked: TokenEntry = { status: 'revoked', issuedAt: entry?.issuedAt, sub: ref.sub };
      if (!this.#tokens.set(key, revoked, ttl)) this.#full();
      this.#index(ref.iss, ref.sub, `t${key}`);
    });
  }

  revokeFamily(iss: string, sub: string, family: string, expiresAt: number): Promise<void> {
    return this.#run(() => {
      const key = familyKey(iss, sub, family);
      const ttl = Math.max(this.#ttl(expiresAt), this.#families.ttl(key) ?? 0);
      if (!this.#families.set(key, true, ttl)) this.#full();
      this.#index(iss, sub, `f${key}`);
    });
  }

  revokeAllForUser(iss: string, sub: string, at: number, expiresAt: number): Promise<void> {
    return this.#run(() => this.#raiseWatermark(iss, sub, at, expiresAt));
  }

  purgeUser(iss: string, sub: string, at: number, expiresAt: number): Promise<void> {
    return this.#run(() => {
      const user = userKey(iss, sub);
      for (const tagged of this.#byUser.get(user) ?? []) {
        const map = tagged.startsWith('t') ? this.#tokens : this.#families;
        map.delete(tagged.slice(1));
      }
      this.#byUser.delete(user);
      this.#raiseWatermark(iss, sub, at, expiresAt);
    });
  }

  /** Stops the background sweep timers. */
  close(): void {
    this.#tokens.close();
    this.#families.close();
    this.#watermarks.close();
  }

  #raiseWatermark(iss: string, sub: string, at: number, expiresAt: number): void {
    const key = userKey(iss, sub);
    const current = this.#watermarks.get(key);
    const ttl = Math.max(this.#ttl(expiresAt), this.#watermarks.ttl(key) ?? 0);
    if (!this.#watermarks.set(key, Math.max(current ?? at, at), ttl)) this.#full();
  }

  #context(ref: TokenRef, entry: TokenEntry | undefined): Omit<TokenLookup, 'status'> {
    return {
      issuedAt: entry?.issuedAt,
      familyRevoked: this.#families.has(familyKey(ref.iss, ref.sub, ref.family)),
      userRevokedBefore: this.#watermarks.get(userKey(ref.iss, ref.sub)),
    };
  }

  #tokenKey(ref: TokenRef): string {
    return nonceKey(ref.iss, ref.jti);
  }

  /** Remembers a key of the user for `purgeUser`, tagged `t` (token) or `f` (family). */
  #index(iss: string, sub: string, tagged: string): void {
    const user = userKey(iss, sub);
    let keys = this.#byUser.get(user);
    if (keys === undefined) {
      keys = new Set();
      this.#byUser.set(user, keys);
    }
    keys.add(tagged);
    // Keys of expired entries linger until the set doubles, or until the rolling prune below
    // reaches their user; either way the index never outgrows the maps by much.
    if (keys.size >= 64 && (keys.size & (keys.size - 1)) === 0) this.#prune(user, keys);
    for (let step = 0; step < 2; step++) {
      this.#pruneCursor ??= this.#byUser.entries();
      const next = this.#pruneCursor.next();
      if (next.done) {
        this.#pruneCursor = undefined;
        break;
      }
      this.#prune(next.value[0], next.value[1]);
    }
  }

  #prune(user: string, keys: Set<string>): void {
    for (const held of keys) {
      const map = held.startsWith('t') ? this.#tokens : this.#families;
      if (!map.has(held.slice(1))) keys.delete(held);
    }
    if (keys.size === 0) this.#byUser.delete(user);
  }

  #ttl(expiresAt: number): number {
    return Math.max(1, expiresAt - this.#clock.now());
  }

  #full(): never {
    throw new StoreFullError(STORE, this.#tokens.maxEntries);
  }

  #run<T>(operation: () => T): Promise<T> {
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
