import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import {
  createStoreDeadline,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type {
  CreateOutcome,
  SessionCap,
  SessionLookup,
  SessionRecord,
  SessionStore,
  SessionTiming,
} from '../store.js';
import { deathOf, timeoutOf } from '../store.js';
import { type SessionRef, sessionUserKey } from '../token.js';
import { SESSIONS_TABLES } from './postgres-migrations.js';

/** Options of {@link PostgresSessionStore} (and of `PostgresTrustedDeviceStore`). */
export interface PostgresSessionStoreOptions {
  /** The application's Kysely instance on Postgres; Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our tables
  db: Kysely<any>;
  /** The schema `migrate(db, [sessionsMigrations])` created the tables in; default `public`. */
  schema?: string;
  /** Times the housekeeping purge; every operation takes `now` from the caller. Default the system clock. */
  clock?: Clock;
  /** How long one statement may take before it fails with `StoreUnavailableError`; default 2000. */
  queryTimeoutMs?: number;
  /** Every this many ms an operation also starts one `purgeExpired()` batch; `0` turns it off. Default 60 000. */
  purgeIntervalMs?: number;
}

export const postgresOptionsSchema = z.strictObject({
  ...postgresStoreOptionsShape({ queryTimeoutMs: 2000 }),
  clock: clockSchema.optional(),
});

const PURGE_BATCH = 1000;

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  mfa_at: string | null;
  user_agent: string;
  ip: string;
  binding: string;
  forget_at: string;
}

function toRecord(row: SessionRow, lastSeenAt = Number(row.last_seen_at)): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    lastSeenAt,
    expiresAt: Number(row.expires_at),
    mfaAt: row.mfa_at === null ? undefined : Number(row.mfa_at),
    userAgent: row.user_agent,
    ip: row.ip,
    binding: row.binding,
  };
}

/**
 * A `SessionStore` on Postgres (run `migrate(db, [sessionsMigrations])` first). Validating a
 * cookie and refreshing its idle clock is one statement. A sign-in is one transaction that first
 * locks the user's row in `rampart_sessions_users`, so concurrent sign-ins of one user are
 * serialised and the cap holds across every process. Rows are keyed by the token's SHA-256.
 *
 * @example
 * await migrate(db, [sessionsMigrations]);
 * const store = new PostgresSessionStore({ db });
 */
export class PostgresSessionStore implements SessionStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresSessionStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  readonly #deadline: StoreDeadline;
  readonly #purgeIntervalMs: number;
  readonly #sessions: RawBuilder<unknown>;
  readonly #users: RawBuilder<unknown>;
  #nextPurgeAt: number;

  constructor(options: PostgresSessionStoreOptions) {
    const parsed = parseOptions('PostgresSessionStore', postgresOptionsSchema, options);
    this.#db = parsed.db;
    this.#clock = parsed.clock ?? systemClock;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: 'postgres-session-store',
        owner: 'PostgresSessionStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
    this.#sessions = sql.id(parsed.schema, SESSIONS_TABLES.sessions);
    this.#users = sql.id(parsed.schema, SESSIONS_TABLES.users);
    this.#nextPurgeAt = this.#clock.now() + this.#purgeIntervalMs;
  }

  async create(
    record: SessionRecord,
    cap: SessionCap,
    timing: SessionTiming,
    now: number,
  ): Promise<CreateOutcome> {
    this.#housekeeping();
    const sessions = this.#sessions;
    const userId = record.userId;
    return this.#deadline.run(() =>
      this.#db.transaction().execute(async (trx): Promise<CreateOutcome> => {
        // The row lock serialises this user's sign-ins until commit; each later statement sees
        // what the ones before it committed (READ COMMITTED takes a snapshot per statement).
        await sql`insert into ${this.#users} (user_id) values (${userId})
          on conflict (user_id) do update set user_id = excluded.user_id`.execute(trx);
        await sql`delete from ${sessions} where user_id = ${userId} and forget_at <= ${now}`.execute(
          trx,
        );
        const live = await sql<{ id: string }>`select id from ${sessions}
          where user_id = ${userId} and expires_at > ${now} and last_seen_at + ${timing.idleMs} > ${now}
          order by last_seen_at, created_at`.execute(trx);
        const ids = live.rows.map((row) => row.id);
        let evicted: string[] = [];
        if (ids.length >= cap.max) {
          if (cap.policy === 'reject-new') return { created: false, evicted: [] };
          evicted = ids.slice(0, ids.length - cap.max + 1);
          await sql`delete from ${sessions} where id = any(${evicted})`.execute(trx);
        }
        await sql`insert into ${sessions} (id, user_id, user_key, created_at, last_seen_at,
            expires_at, mfa_at, user_agent, ip, binding, forget_at)
          values (${record.id}, ${userId}, ${sessionUserKey(userId)}, ${record.createdAt}, ${record.lastSeenAt},
            ${record.expiresAt}, ${record.mfaAt ?? null}, ${record.userAgent}, ${record.ip},
            ${record.binding}, ${deathOf(record, timing.idleMs) + timing.retentionMs})`.execute(
          trx,
        );
        return { created: true, evicted };
      }),
    );
  }

  async authenticate(ref: SessionRef, timing: SessionTiming, now: number): Promise<SessionLookup> {
    this.#housekeeping();
    const { idleMs, touchIntervalMs, retentionMs } = timing;
    // Every CTE sees the row as it was when the statement began: `found` is the row before the touch.
    const [row] = await this.#query<SessionRow & { touched_at: string | null }>(sql`
      with found as (
        select * from ${this.#sessions} where id = ${ref.id} and user_key = ${ref.userKey}
      ),
      touched as (
        update ${this.#sessions}
        set last_seen_at = ${now},
          forget_at = least(expires_at, ${now + idleMs}) + ${retentionMs}
        where id = ${ref.id} and user_key = ${ref.userKey} and expires_at > ${now}
          and last_seen_at + ${idleMs} > ${now} and last_seen_at <= ${now - touchIntervalMs}
        returning last_seen_at
      )
      select found.*, (select last_seen_at from touched) as touched_at from found`);
    if (row === undefined || Number(row.forget_at) <= now) return { status: 'absent' };
    const record = toRecord(row);
    const timeout = timeoutOf(record, idleMs, now);
    if (timeout !== undefined) return { status: 'expired', timeout };
    if (row.touched_at === null) return { status: 'active', record, touched: false };
    return { status: 'active', record: toRecord(row, Number(row.touched_at)), touched: true };
  }

  async record(ref: SessionRef, record: SessionRecord): Promise<boolean> {
    const rows = await this.#query(sql`
      update ${this.#sessions} set binding = ${record.binding}, ip = ${record.ip},
        user_agent = ${record.userAgent}
      where id = ${ref.id} and user_key = ${ref.userKey} and user_id = ${record.userId}
      returning 1`);
    return rows.length === 1;
  }

  async replace(
    old: SessionRef,
    record: SessionRecord,
    timing: SessionTiming,
    now: number,
  ): Promise<boolean> {
    // The delete locks the old row: of two concurrent rotations one deletes it, the other finds
    // it gone (READ COMMITTED re-checks a locked row) and inserts nothing.
    const rows = await this.#query(sql`
      with old as (
        delete from ${this.#sessions}
        where id = ${old.id} and user_key = ${old.userKey} and user_id = ${record.userId}
          and expires_at > ${now}
          and last_seen_at + ${timing.idleMs} > ${now}
        returning 1
      )
      insert into ${this.#sessions} (id, user_id, user_key, created_at, last_seen_at,
        expires_at, mfa_at, user_agent, ip, binding, forget_at)
      select ${record.id}, ${record.userId}, ${old.userKey}, ${record.createdAt}, ${record.lastSeenAt},
        ${record.expiresAt}, ${record.mfaAt ?? null}, ${record.userAgent}, ${record.ip},
        ${record.binding}, ${deathOf(record, timing.idleMs) + timing.retentionMs}
      where exists (select 1 from old)
      returning 1`);
    return rows.length === 1;
  }

  async list(userId: string, timing: SessionTiming, now: number): Promise<SessionRecord[]> {
    const rows = await this.#query<SessionRow>(sql`
      select * from ${this.#sessions}
      where user_id = ${userId} and expires_at > ${now} and last_seen_at + ${timing.idleMs} > ${now}`);
    return rows.map((row) => toRecord(row));
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const rows = await this.#query(
      sql`delete from ${this.#sessions} where id = ${id} and user_id = ${userId} returning 1`,
    );
    return rows.length === 1;
  }

  async revokeOthers(userId: string, keepId: string): Promise<number> {
    const rows = await this.#query(
      sql`delete from ${this.#sessions} where user_id = ${userId} and id <> ${keepId} returning 1`,
    );
    return rows.length;
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.#query(sql`delete from ${this.#sessions} where user_id = ${userId}`);
  }

  /** One statement: the user's sessions and their lock row. */
  async purgeUser(userId: string): Promise<void> {
    await this.#query(sql`
      with sessions as (delete from ${this.#sessions} where user_id = ${userId} returning 1)
      delete from ${this.#users} where user_id = ${userId}`);
  }

  /**
   * Deletes up to 1000 sessions past their retention and resolves how many. Operations run one
   * batch every `purgeIntervalMs`; with `purgeIntervalMs: 0`, call this from a scheduled job.
   */
  async purgeExpired(): Promise<number> {
    const now = this.#clock.now();
    const [row] = await this.#query<{ deleted: number }>(sql`
      with doomed as (
        delete from ${this.#sessions} where id = any(array(
          select id from ${this.#sessions} where forget_at <= ${now} limit ${PURGE_BATCH}
          for update skip locked))
        and forget_at <= ${now} returning 1)
      select count(*)::int as deleted from doomed`);
    return row?.deleted ?? 0;
  }

  #housekeeping(): void {
    if (this.#purgeIntervalMs === 0) return;
    const now = this.#clock.now();
    if (now < this.#nextPurgeAt) return;
    this.#nextPurgeAt = now + this.#purgeIntervalMs;
    // Housekeeping never fails or slows an operation; a failed purge is retried next interval.
    this.purgeExpired().catch(() => {});
  }

  async #query<Row>(query: RawBuilder<unknown>): Promise<Row[]> {
    const result = await this.#deadline.run(() => query.execute(this.#db));
    return result.rows as Row[];
  }
}
