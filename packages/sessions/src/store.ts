import type { UserDataPurger } from '@rampart/core';
import type { SessionRef } from './token.js';

/**
 * One session as a store holds it. Nothing here opens the session: `id` is the SHA-256 of the
 * cookie's token. `userAgent` and `ip` are kept for the user's session list ("Firefox on
 * 203.0.113.7"); the binding material is hashed (`binding`).
 */
export interface SessionRecord {
  /** SHA-256 of the token, base64url (43 characters). */
  readonly id: string;
  readonly userId: string;
  /** Epoch ms the session began (the login, or the login it was rotated from). */
  readonly createdAt: number;
  /** Epoch ms of the last recorded activity (at most one write per touch interval). */
  readonly lastSeenAt: number;
  /** Epoch ms of the absolute timeout, whatever the activity. */
  readonly expiresAt: number;
  /** Epoch ms the user last passed a second factor; `undefined` if not in this session. */
  readonly mfaAt: number | undefined;
  /** The User-Agent last seen, at most 256 characters; for display. */
  readonly userAgent: string;
  /** The client IP last seen; for display and for the scorer's same-network check. */
  readonly ip: string;
  /** The encoded fingerprint (binding/fingerprint.ts), hashes only; '' when binding is off. */
  readonly binding: string;
}

/** The timing every read needs: the store decides liveness with it, atomically. */
export interface SessionTiming {
  /** A session with no activity for this long is dead (idle timeout). */
  readonly idleMs: number;
  /**
   * A read refreshes `lastSeenAt` only when it is at least this old: a busy session costs one
   * store write per interval, not one per request. `0` refreshes on every read.
   */
  readonly touchIntervalMs: number;
  /**
   * How long a dead (timed out) session is remembered, so that presenting it answers
   * `ERR_SESSION_EXPIRED` rather than `ERR_SESSION_INVALID`. After it, the record is gone.
   */
  readonly retentionMs: number;
}

/** The per-user cap applied by {@link SessionStore.create}, atomically. */
export interface SessionCap {
  /** Live sessions a user may hold. */
  readonly max: number;
  /** `evict-lru`: end the least recently seen to make room. `reject-new`: refuse the new one. */
  readonly policy: 'evict-lru' | 'reject-new';
}

/** What {@link SessionStore.create} did. */
export type CreateOutcome =
  | { readonly created: true; readonly evicted: readonly string[] }
  | { readonly created: false; readonly evicted: readonly [] };

/**
 * What {@link SessionStore.authenticate} found: a live session (refreshed when its last touch
 * was a touch interval ago), one that timed out (`idle` or `absolute`, still remembered), or
 * nothing (never issued, revoked, evicted, rotated away, or forgotten).
 */
export type SessionLookup =
  | { readonly status: 'active'; readonly record: SessionRecord; readonly touched: boolean }
  | { readonly status: 'expired'; readonly timeout: 'idle' | 'absolute' }
  | { readonly status: 'absent' };

/** What a request changed about a live session (binding drift that was accepted). */
export interface SessionSighting {
  readonly binding: string;
  readonly ip: string;
  readonly userAgent: string;
}

/**
 * The state `@rampart/sessions` keeps. Every method is one atomic operation (one round trip on
 * Redis and Postgres); `now` always comes from the caller's clock, so every store answers alike
 * and tests move time without sleeping. A session is live while `now < expiresAt` and
 * `now < lastSeenAt + idleMs`. Methods reject with `StoreUnavailableError` when the backend cannot
 * be reached in time, `StoreFullError` when a bounded store is full.
 *
 * Run `describeSessionStoreConformance` from `@rampart/sessions/testing` on your own store.
 */
export interface SessionStore extends UserDataPurger {
  /**
   * Adds `record` under the cap, atomically against concurrent creates for the same user: dead
   * sessions of the user stop counting, then with `max` live ones `evict-lru` ends the least
   * recently seen (ties: the oldest created) and `reject-new` refuses.
   */
  create(
    record: SessionRecord,
    cap: SessionCap,
    timing: SessionTiming,
    now: number,
  ): Promise<CreateOutcome>;
  /** Looks the session up and, when live and due, refreshes `lastSeenAt` to `now`, in one operation. */
  authenticate(ref: SessionRef, timing: SessionTiming, now: number): Promise<SessionLookup>;
  /**
   * Rewrites what a request changed on a session that is still held (`binding`, `ip`,
   * `userAgent`: an accepted drift), keeping its `lastSeenAt` as stored; false when it is gone.
   */
  record(ref: SessionRef, record: SessionRecord): Promise<boolean>;
  /**
   * Replaces the live session `old` by `record` (same user) at once: afterwards `old` is absent and
   * `record` live, for every reader. False (and nothing written) when `old` is not live.
   */
  replace(
    old: SessionRef,
    record: SessionRecord,
    timing: SessionTiming,
    now: number,
  ): Promise<boolean>;
  /** The user's live sessions, in no particular order. */
  list(userId: string, timing: SessionTiming, now: number): Promise<SessionRecord[]>;
  /** Ends one session of `userId`; false when `userId` has no session with that id. */
  revoke(userId: string, id: string): Promise<boolean>;
  /** Ends every session of `userId` but `keepId`; resolves how many ended. */
  revokeOthers(userId: string, keepId: string): Promise<number>;
  /** Ends every session of `userId`. */
  revokeAllForUser(userId: string): Promise<void>;
  /** Right to erasure: forgets everything held about `userId` (its sessions). */
  purgeUser(userId: string): Promise<void>;
}

/** Longest user id a store accepts, in UTF-16 code units. */
export const MAX_USER_ID_LENGTH = 256;

/** Longest User-Agent kept for display. */
export const MAX_USER_AGENT_LENGTH = 256;

/** When a record stops being live: the earlier of its two deadlines. */
export function deathOf(
  record: Pick<SessionRecord, 'expiresAt' | 'lastSeenAt'>,
  idleMs: number,
): number {
  return Math.min(record.expiresAt, record.lastSeenAt + idleMs);
}

/** Which timeout a dead record ran into; `undefined` while it is live. */
export function timeoutOf(
  record: Pick<SessionRecord, 'expiresAt' | 'lastSeenAt'>,
  idleMs: number,
  now: number,
): 'idle' | 'absolute' | undefined {
  if (now >= record.expiresAt) return 'absolute';
  if (now >= record.lastSeenAt + idleMs) return 'idle';
  return undefined;
}
