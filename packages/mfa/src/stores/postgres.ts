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
  AttemptContext,
  CountedFailure,
  EnableRecord,
  LockedAnswer,
  MfaStore,
  MfaUserState,
  RecoveryAttemptResult,
  TotpAttemptResult,
} from '../store.js';
import { MFA_TABLES } from './postgres-migrations.js';

/** Options of {@link PostgresMfaStore}. */
export interface PostgresMfaStoreOptions {
  /** The application's Kysely instance on Postgres; Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our tables
  db: Kysely<any>;
  /** The schema `migrate(db, [mfaMigrations])` created the tables in; default `public`. */
  schema?: string;
  /** Where "now" comes from for the periodic purge; default the system clock. */
  clock?: Clock;
  /** How long one statement may take before it fails with `StoreUnavailableError`; default 2000. */
  queryTimeoutMs?: number;
  /** Every this many ms an operation also starts one `purgeExpired()` batch; `0` turns it off. Default 60 000. */
  purgeIntervalMs?: number;
}

const optionsSchema = z.strictObject({
  ...postgresStoreOptionsShape({ queryTimeoutMs: 2000 }),
  clock: clockSchema.optional(),
});

const STORE = 'postgres-mfa-store';
const PURGE_BATCH = 1000;
const KIND = { totp: 1, recovery: 2, failure: 3 } as const;

interface AttemptRow {
  outcome: string;
  detail: string | null;
  engaged: boolean;
}

function failureOrLock(row: AttemptRow): CountedFailure | LockedAnswer {
  if (row.outcome === 'wrong') return { outcome: 'wrong', failures: Number(row.detail) };
  const lockedUntil = Number(row.detail);
  return row.engaged
    ? { outcome: 'locked', lockedUntil, engaged: true }
    : { outcome: 'locked', lockedUntil, engaged: false };
}

/**
 * An `MfaStore` on Postgres (run `migrate(db, [mfaMigrations])` first). Every attempt is one
 * call of the `rampart_mfa_attempt` function, which locks the user's row (`select … for update`)
 * and then checks the lock, the secret, the replay guard (`p_step <= last_step` is a replay) or
 * consumes a recovery code, and counts a failure, in one statement: concurrent attempts of one
 * user, from any number of processes, run one after the other. Other operations are one
 * conditional statement each.
 *
 * @example
 * await migrate(db, [mfaMigrations]);
 * const store = new PostgresMfaStore({ db });
 */
export class PostgresMfaStore implements MfaStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresMfaStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  readonly #deadline: StoreDeadline;
  readonly #purgeIntervalMs: number;
  readonly #users: RawBuilder<unknown>;
  readonly #recoveryCodes: RawBuilder<unknown>;
  readonly #challenges: RawBuilder<unknown>;
  readonly #attempt: RawBuilder<unknown>;
  #nextPurgeAt: number;

  constructor(options: PostgresMfaStoreOptions) {
    const parsed = parseOptions('PostgresMfaStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#clock = parsed.clock ?? systemClock;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresMfaStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
    this.#users = sql.id(parsed.schema, MFA_TABLES.users);
    this.#recoveryCodes = sql.id(parsed.schema, MFA_TABLES.recoveryCodes);
    this.#challenges = sql.id(parsed.schema, MFA_TABLES.challenges);
    this.#attempt = sql.id(parsed.schema, MFA_TABLES.attemptFunction);
    this.#nextPurgeAt = this.#clock.now() + this.#purgeIntervalMs;
  }

  async read(userId: string, now: number): Promise<MfaUserState> {
    this.#maybePurge();
    const [row] = await this.#query<{
      secret: string | null;
      pending: string | null;
      locked_until: string | null;
      remaining: number;
    }>(sql`
      select u.secret,
        case when u.pending_expires_at > ${now} then u.pending end as pending,
        case when u.locked_until > ${now} then u.locked_until end as locked_until,
        (select count(*)::int from ${this.#recoveryCodes} where user_id = ${userId}) as remaining
      from (select 1) as one
      left join ${this.#users} as u on u.user_id = ${userId}`);
    const secret = row?.secret ?? undefined;
    return {
      secret,
      pending: row?.pending ?? undefined,
      recoveryCodesRemaining: secret === undefined ? 0 : (row?.remaining ?? 0),
      lockedUntil: row?.locked_until == null ? undefined : Number(row.locked_until),
    };
  }

  async setPending(userId: string, secret: string, expiresAt: number): Promise<'set' | 'enabled'> {
    // Inserts or updates unless MFA is on; a row that is enabled is left alone (no row returned).
    const rows = await this.#query(sql`
      insert into ${this.#users} as u (user_id, pending, pending_expires_at)
      values (${userId}, ${secret}, ${expiresAt})
      on conflict (user_id) do update
      set pending = excluded.pending, pending_expires_at = excluded.pending_expires_at
      where u.secret is null
      returning 1`);
    return rows.length === 1 ? 'set' : 'enabled';
  }

  async enable(userId: string, record: EnableRecord, now: number): Promise<'enabled' | 'conflict'> {
    // The row lock of the update makes one of concurrent enables match; the others see the
    // secret set (or the pending gone) when they re-check the row.
    const [row] = await this.#query<{ enabled: number }>(sql`
      with enabled as (
        update ${this.#users}
        set secret = pending, pending = null, pending_expires_at = 0, last_step = ${record.step}
        where user_id = ${userId} and secret is null and pending = ${record.secret}
          and pending_expires_at > ${now}
        returning user_id
      ), cleared as (
        delete from ${this.#recoveryCodes} where user_id in (select user_id from enabled)
      ), inserted as (
        insert into ${this.#recoveryCodes} (user_id, code_hash)
        select enabled.user_id, hashes.code_hash from enabled,
          unnest(${record.recoveryCodeHashes}::text[]) as hashes(code_hash)
        on conflict do nothing
      )
      select count(*)::int as enabled from enabled`);
    return row?.enabled === 1 ? 'enabled' : 'conflict';
  }

  async attemptTotp(
    userId: string,
    attempt: { readonly secret: string | undefined; readonly step: number | undefined },
    context: AttemptContext,
  ): Promise<TotpAttemptResult> {
    const row = await this.#call(KIND.totp, userId, context, attempt.secret, attempt.step, []);
    switch (row.outcome) {
      case 'accepted':
        return { outcome: 'accepted' };
      case 'replayed':
        return { outcome: 'replayed' };
      case 'not-enabled':
        return { outcome: 'not-enabled' };
      case 'stale':
        return { outcome: 'stale', secret: String(row.detail) };
      default:
        return failureOrLock(row);
    }
  }

  async attemptRecoveryCode(
    userId: string,
    hashes: readonly string[],
    context: AttemptContext,
  ): Promise<RecoveryAttemptResult> {
    const row = await this.#call(KIND.recovery, userId, context, undefined, undefined, hashes);
    if (row.outcome === 'accepted') return { outcome: 'accepted', remaining: Number(row.detail) };
    if (row.outcome === 'not-enabled') return { outcome: 'not-enabled' };
    return failureOrLock(row);
  }

  async recordFailure(
    userId: string,
    context: AttemptContext,
  ): Promise<CountedFailure | LockedAnswer> {
    return failureOrLock(await this.#call(KIND.failure, userId, context, undefined, undefined, []));
  }

  async replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<boolean> {
    const [row] = await this.#query<{ replaced: number }>(sql`
      with owner as (
        select user_id from ${this.#users}
        where user_id = ${userId} and secret is not null for update
      ), cleared as (
        delete from ${this.#recoveryCodes} where user_id in (select user_id from owner)
      ), inserted as (
        insert into ${this.#recoveryCodes} (user_id, code_hash)
        select owner.user_id, hashes.code_hash from owner,
          unnest(${hashes}::text[]) as hashes(code_hash)
        on conflict do nothing
      )
      select count(*)::int as replaced from owner`);
    return row?.replaced === 1;
  }

  async disable(userId: string): Promise<boolean> {
    const [row] = await this.#query<{ disabled: number }>(sql`
      with disabled as (
        update ${this.#users}
        set secret = null, last_step = null, pending = null, pending_expires_at = 0
        where user_id = ${userId} and secret is not null
        returning user_id
      ), cleared as (
        delete from ${this.#recoveryCodes} where user_id = ${userId}
      )
      select count(*)::int as disabled from disabled`);
    return row?.disabled === 1;
  }

  async createChallenge(tokenHash: string, userId: string, expiresAt: number): Promise<void> {
    this.#maybePurge();
    await this.#query(sql`
      insert into ${this.#challenges} (token_hash, user_id, expires_at)
      values (${tokenHash}, ${userId}, ${expiresAt})`);
  }

  async findChallenge(tokenHashes: readonly string[], now: number): Promise<string | undefined> {
    const [row] = await this.#query<{ user_id: string }>(sql`
      select user_id from ${this.#challenges}
      where token_hash = any(${tokenHashes}::text[]) and expires_at > ${now} limit 1`);
    return row?.user_id;
  }

  async consumeChallenge(tokenHash: string, userId: string, now: number): Promise<boolean> {
    const rows = await this.#query(sql`
      delete from ${this.#challenges}
      where token_hash = ${tokenHash} and user_id = ${userId} and expires_at > ${now}
      returning 1`);
    return rows.length === 1;
  }

  /** One statement: the user's row, recovery codes and challenges. */
  async purgeUser(userId: string): Promise<void> {
    await this.#query(sql`
      with users as (delete from ${this.#users} where user_id = ${userId} returning 1),
      codes as (delete from ${this.#recoveryCodes} where user_id = ${userId} returning 1),
      challenges as (delete from ${this.#challenges} where user_id = ${userId} returning 1)
      select (select count(*) from users) + (select count(*) from codes)
        + (select count(*) from challenges) as deleted`);
  }

  /**
   * Deletes up to 1000 expired challenges, and up to 1000 rows of users without MFA whose
   * pending setup, failure window and lock have all ended; resolves how many. Operations run one
   * batch every `purgeIntervalMs`; with `purgeIntervalMs: 0`, call this from a scheduled job.
   */
  async purgeExpired(): Promise<number> {
    const now = this.#clock.now();
    const [row] = await this.#query<{ deleted: number }>(sql`
      with challenges as (
        delete from ${this.#challenges} where token_hash = any(array(
          select token_hash from ${this.#challenges} where expires_at <= ${now}
          limit ${PURGE_BATCH} for update skip locked))
        returning 1
      ), users as (
        delete from ${this.#users} where user_id = any(array(
          select user_id from ${this.#users}
          where secret is null and pending_expires_at <= ${now} and window_ends_at <= ${now}
            and locked_until <= ${now}
          limit ${PURGE_BATCH} for update skip locked))
          and secret is null
        returning 1
      )
      select ((select count(*) from challenges) + (select count(*) from users))::int as deleted`);
    return row?.deleted ?? 0;
  }

  async #call(
    kind: number,
    userId: string,
    { now, policy }: AttemptContext,
    secret: string | undefined,
    step: number | undefined,
    hashes: readonly string[],
  ): Promise<AttemptRow> {
    const [row] = await this.#query<AttemptRow>(sql`
      select * from ${this.#attempt}(${kind}::int, ${userId}::text, ${now}::bigint,
        ${policy.maxFailures}::int, ${policy.windowMs}::bigint, ${policy.lockMs}::bigint,
        ${secret ?? null}::text, ${step ?? null}::bigint, ${hashes}::text[])`);
    if (row === undefined) throw new TypeError(`${STORE}: the attempt function answered no row`);
    return row;
  }

  #maybePurge(): void {
    const now = this.#clock.now();
    if (this.#purgeIntervalMs > 0 && now >= this.#nextPurgeAt) {
      this.#nextPurgeAt = now + this.#purgeIntervalMs;
      // Housekeeping never fails or slows an operation; a failed purge is retried next interval.
      this.purgeExpired().catch(() => {});
    }
  }

  async #query<Row>(query: RawBuilder<unknown>): Promise<Row[]> {
    const result = await this.#deadline.run(() => query.execute(this.#db));
    return result.rows as Row[];
  }
}
