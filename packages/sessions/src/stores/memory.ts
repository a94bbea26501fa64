import { type Clock, parseOptions, StoreFullError, systemClock } from '@rampart/core';
import { memoryStoreOptionsShape } from '@rampart/core/store';
import { z } from 'zod';
import {
  type CreateOutcome,
  deathOf,
  type SessionCap,
  type SessionLookup,
  type SessionRecord,
  type SessionStore,
  type SessionTiming,
  timeoutOf,
} from '../store.js';
import { type SessionRef, sessionUserKey } from '../token.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions held, dead-but-remembered ones included. A full store refuses new sessions (503). Default 100 000. */
  maxEntries?: number;
  /** Used only by the sweep timer; every operation takes `now` from the caller. */
  clock?: Clock;
  /** How often an unref'd timer forgets sessions past their retention; `0` for none. Default 60 000. */
  sweepIntervalMs?: number;
}

const optionsSchema = z.strictObject(memoryStoreOptionsShape({ maxEntries: 100_000 }));

interface Entry {
  record: SessionRecord;
  /** The user key the record's tokens carry: a ref naming another user's key finds nothing. */
  readonly userKey: string;
  /** Epoch ms after which the record is forgotten: its death plus the retention. */
  forgetAt: number;
}

/**
 * A `SessionStore` in this process's memory: for one instance and for tests. Bounded by
 * `maxEntries`; when full it refuses new sessions with `StoreFullError` rather than end live
 * ones. Every operation is synchronous inside, so each is atomic.
 *
 * @example
 * const sessions = createSessions({ store: new MemorySessionStore() });
 */
export class MemorySessionStore implements SessionStore {
  readonly maxEntries: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(options: MemorySessionStoreOptions = {}) {
    const parsed = parseOptions('MemorySessionStore', optionsSchema, options);
    this.maxEntries = parsed.maxEntries;
    this.#clock = parsed.clock ?? systemClock;
    if (parsed.sweepIntervalMs > 0) {
      this.#timer = setInterval(() => this.sweep(this.#clock.now()), parsed.sweepIntervalMs);
      this.#timer.unref();
    }
  }

  /** How many sessions are held, dead-but-remembered ones included. */
  get size(): number {
    return this.#entries.size;
  }

  async create(
    record: SessionRecord,
    cap: SessionCap,
    timing: SessionTiming,
    now: number,
  ): Promise<CreateOutcome> {
    const live: Entry[] = [];
    for (const id of this.#idsOf(record.userId)) {
      const entry = this.#entries.get(id) as Entry;
      if (entry.forgetAt <= now) this.#delete(entry.record);
      else if (timeoutOf(entry.record, timing.idleMs, now) === undefined) live.push(entry);
    }
    const evicted: string[] = [];
    if (live.length >= cap.max) {
      if (cap.policy === 'reject-new') return { created: false, evicted: [] };
      live.sort(
        (a, b) =>
          a.record.lastSeenAt - b.record.lastSeenAt || a.record.createdAt - b.record.createdAt,
      );
      for (const entry of live.slice(0, live.length - cap.max + 1)) {
        this.#delete(entry.record);
        evicted.push(entry.record.id);
      }
    }
    if (this.#entries.size >= this.maxEntries) {
      this.sweep(now);
      if (this.#entries.size >= this.maxEntries) {
        throw new StoreFullError('memory-session-store', this.maxEntries);
      }
    }
    this.#put(record, timing);
    return { created: true, evicted };
  }

  async authenticate(ref: SessionRef, timing: SessionTiming, now: number): Promise<SessionLookup> {
    return this.authenticateNow(ref, timing, now);
  }

  /** {@link authenticate}, answered synchronously. */
  authenticateNow(ref: SessionRef, timing: SessionTiming, now: number): SessionLookup {
    const entry = this.#entries.get(ref.id);
    if (entry === undefined || entry.userKey !== ref.userKey) return { status: 'absent' };
    if (entry.forgetAt <= now) {
      this.#delete(entry.record);
      return { status: 'absent' };
    }
    const timeout = timeoutOf(entry.record, timing.idleMs, now);
    if (timeout !== undefined) return { status: 'expired', timeout };
    if (now - entry.record.lastSeenAt < timing.touchIntervalMs) {
      return { status: 'active', record: entry.record, touched: false };
    }
    const touched = { ...entry.record, lastSeenAt: now };
    this.#put(touched, timing);
    return { status: 'active', record: touched, touched: true };
  }

  async record(ref: SessionRef, record: SessionRecord): Promise<boolean> {
    const entry = this.#entries.get(ref.id);
    if (
      entry === undefined ||
      entry.userKey !== ref.userKey ||
      entry.record.userId !== record.userId
    ) {
      return false;
    }
    entry.record = { ...record, lastSeenAt: entry.record.lastSeenAt };
    return true;
  }

  async replace(
    old: SessionRef,
    record: SessionRecord,
    timing: SessionTiming,
    now: number,
  ): Promise<boolean> {
    const entry = this.#entries.get(old.id);
    if (
      entry === undefined ||
      entry.userKey !== old.userKey ||
      entry.record.userId !== record.userId ||
      timeoutOf(entry.record, timing.idleMs, now) !== undefined
    ) {
      return false;
    }
    this.#delete(entry.record);
    this.#put(record, timing);
    return true;
  }

  async list(userId: string, timing: SessionTiming, now: number): Promise<SessionRecord[]> {
    const live: SessionRecord[] = [];
    for (const id of this.#idsOf(userId)) {
      const { record } = this.#entries.get(id) as Entry;
      if (timeoutOf(record, timing.idleMs, now) === undefined) live.push(record);
    }
    return live;
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.record.userId !== userId) return false;
    this.#delete(entry.record);
    return true;
  }

  async revokeOthers(userId: string, keepId: string): Promise<number> {
    let ended = 0;
    for (const id of this.#idsOf(userId)) {
      if (id === keepId) continue;
      this.#delete((this.#entries.get(id) as Entry).record);
      ended++;
    }
    return ended;
  }

  async revokeAllForUser(userId: string): Promise<void> {
    for (const id of this.#idsOf(userId)) this.#delete((this.#entries.get(id) as Entry).record);
  }

  async purgeUser(userId: string): Promise<void> {
    await this.revokeAllForUser(userId);
  }

  /** Forgets every session past its retention. Runs on the sweep timer and when the store is full. */
  sweep(now: number): void {
    for (const entry of this.#entries.values()) {
      if (entry.forgetAt <= now) this.#delete(entry.record);
    }
  }

  /** Stops the sweep timer (it never holds the process open anyway). */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** A copy of the user's ids, so callers may delete while they walk it. */
  #idsOf(userId: string): string[] {
    const ids = this.#byUser.get(userId);
    return ids === undefined ? [] : [...ids];
  }

  #put(record: SessionRecord, timing: SessionTiming): void {
    this.#entries.set(record.id, {
      record,
      userKey: this.#entries.get(record.id)?.userKey ?? sessionUserKey(record.userId),
      forgetAt: deathOf(record, timing.idleMs) + timing.retentionMs,
    });
    let ids = this.#byUser.get(record.userId);
    if (ids === undefined) {
      ids = new Set();
      this.#byUser.set(record.userId, ids);
    }
    ids.add(record.id);
  }

  #delete(record: SessionRecord): void {
    this.#entries.delete(record.id);
    const ids = this.#byUser.get(record.userId);
    if (ids === undefined) return;
    ids.delete(record.id);
    if (ids.size === 0) this.#byUser.delete(record.userId);
  }
}
