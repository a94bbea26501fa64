import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import {
  createStoreDeadline,
  deleteExpiredBatch,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
  withTimeout,
} from '@rampart/core/postgres';
import { CompiledQuery, type Kysely, type QueryResult, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import {
  assertClaim,
  assertCompletion,
  assertLeaseRef,
  assertUserId,
  type IdempotencyClaim,
  type IdempotencyClaimResult,
  type IdempotencyCompletion,
  type IdempotencyLeaseRef,
  type IdempotencyStore,
} from '../store.js';
import { CLAIM_FUNCTION, IDEMPOTENCY_TABLE } from './postgres-migrations.js';

/** Options of {@link PostgresIdempotencyStore}. */
export interface PostgresIdempotencyStoreOptions {
  /** The application's Kysely instance on Postgres. Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our table
  db: Kysely<any>;
  /** The schema `migrate()` created the table in; default `public`. */
  schema?: string;
  /**
   * Where "now" comes from; default the system clock. Expiry compares epoch milliseconds of this
   * clock, so app servers sharing the table keep their clocks in sync (NTP).
   */
  clock?: Clock;
  /** How long a statement may wait before it fails with `StoreUnavailableError`; default 2000. */
  queryTimeoutMs?: number;
  /**
   * Every this many milliseconds a claim also starts one `purgeExpired()` batch in the background
   * (not awaited, failures ignored); `0` leaves it to a scheduled job. Default 60 000.
   */
  purgeIntervalMs?: number;
}

const optionsSchema = z.strictObject({
  ...postgresStoreOptionsShape({ queryTimeoutMs: 2000 }),
  clock: clockSchema.optional(),
});

const STORE = 'postgres-idempotency-store';
const PURGE_TIMEOUT_MS = 30_000;
const PURGE_BATCH = 1000;

interface ClaimRow {
  o_outcome?: unknown;
  o_response?: unknown;
  o_expires_at?: unknown;
}

function claimResult(result: QueryResult<unknown>, now: number): IdempotencyClaimResult {
  const row = result.rows[0] as ClaimRow | undefined;
  switch (row?.o_outcome) {
    case 'acquired':
      return { outcome: 'acquired' };
    case 'mismatch':
      return { outcome: 'mismatch' };
    case 'completed':
      if (typeof row.o_response === 'string')
        return { outcome: 'completed', response: row.o_response };
      break;
    case 'in-flight':
      // pg returns a bigint as a string of digits.
      if (typeof row.o_expires_at === 'string' && /^\d{1,16}$/.test(row.o_expires_at)) {
        return { outcome: 'in-flight', retryAfterMs: Math.max(1, Number(row.o_expires_at) - now) };
      }
      break;
  }
  throw new TypeError('unexpected claim row');
}

function oneRowChanged(result: QueryResult<unknown>): boolean {
  return result.numAffectedRows === 1n;
}

/**
 * An `IdempotencyStore` on Postgres (run `migrate(db, [idempotencyMigrations])` first). Each
 * operation is one statement, one round trip: a claim calls `rampart_idempotency_claim(…)` (an
 * upsert that writes only for the caller who takes a free key, then a read of who holds it), a
 * completion is an `update … where key and lease and unexpired`, a release a `delete` with the
 * same conditions. Statements are compiled once, at construction. Expired rows are invisible at
 * once and deleted later by {@link PostgresIdempotencyStore.purgeExpired}.
 *
 * @example
 * await migrate(db, [idempotencyMigrations]);
 * const store = new PostgresIdempotencyStore({ db });
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresIdempotencyStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  readonly #deadline: StoreDeadline;
  readonly #claimSql: string;
  readonly #completeSql: string;
  readonly #releaseSql: string;
  /** The table, schema-qualified, for the purge's raw SQL (`withSchema` does not reach it). */
  readonly #table: RawBuilder<unknown>;
  readonly #purgeIntervalMs: number;
  #nextPurgeAt: number;

  constructor(options: PostgresIdempotencyStoreOptions) {
    const parsed = parseOptions('PostgresIdempotencyStore', optionsSchema, options);
    this.#db = parsed.db.withSchema(parsed.schema);
    this.#clock = parsed.clock ?? systemClock;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresIdempotencyStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    const table = sql.id(parsed.schema, IDEMPOTENCY_TABLE);
    this.#table = table;
    this.#claimSql =
      sql`select * from ${sql.id(parsed.schema, CLAIM_FUNCTION)}(${''}, ${''}, ${''}, ${''}, ${0}, ${0})`.compile(
        this.#db,
      ).sql;
    this.#completeSql = sql`update ${table} set response = ${''}, expires_at = ${0}
      where key = ${''} and user_id = ${''} and lease_id = ${''} and response is null
        and expires_at > ${0}`.compile(this.#db).sql;
    this.#releaseSql = sql`delete from ${table}
      where key = ${''} and user_id = ${''} and lease_id = ${''} and response is null
        and expires_at > ${0}`.compile(this.#db).sql;
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
    this.#nextPurgeAt = this.#clock.now() + this.#purgeIntervalMs;
  }

  /** See `IdempotencyStore.claim`. */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaimResult> {
    let query: CompiledQuery<unknown>;
    let now: number;
    try {
      assertClaim(claim);
      now = this.#clock.now();
      this.#maybePurge(now);
      query = CompiledQuery.raw(this.#claimSql, [
        claim.key,
        claim.userId,
        claim.fingerprint,
        claim.leaseId,
        now + claim.leaseMs,
        now,
      ]);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#deadline.run(
      () => this.#db.executeQuery(query),
      (result) => claimResult(result, now),
    );
  }

  /** See `IdempotencyStore.complete`. */
  complete(completion: IdempotencyCompletion): Promise<boolean> {
    let query: CompiledQuery<unknown>;
    try {
      assertCompletion(completion);
      const now = this.#clock.now();
      query = CompiledQuery.raw(this.#completeSql, [
        completion.response,
        now + completion.retentionMs,
        completion.key,
        completion.userId,
        completion.leaseId,
        now,
      ]);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#deadline.run(() => this.#db.executeQuery(query), oneRowChanged);
  }

  /** See `IdempotencyStore.release`. */
  release(lease: IdempotencyLeaseRef): Promise<boolean> {
    let query: CompiledQuery<unknown>;
    try {
      assertLeaseRef(lease);
      query = CompiledQuery.raw(this.#releaseSql, [
        lease.key,
        lease.userId,
        lease.leaseId,
        this.#clock.now(),
      ]);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#deadline.run(() => this.#db.executeQuery(query), oneRowChanged);
  }

  /** Deletes every record of the user. */
  async purgeUser(userId: string): Promise<void> {
    assertUserId(userId);
    await withTimeout(
      () => this.#db.deleteFrom(IDEMPOTENCY_TABLE).where('user_id', '=', userId).execute(),
      { store: STORE, timeoutMs: PURGE_TIMEOUT_MS },
    );
  }

  /**
   * Deletes up to 1000 expired rows and resolves how many. Claims never need it (an expired row is
   * taken over in place); it keeps the table small. Claims run one batch every `purgeIntervalMs`;
   * with `purgeIntervalMs: 0`, call it from a scheduled job instead.
   */
  async purgeExpired(): Promise<number> {
    const now = this.#clock.now();
    const result = await withTimeout(
      () => deleteExpiredBatch(this.#table, now, PURGE_BATCH).execute(this.#db),
      { store: STORE, timeoutMs: PURGE_TIMEOUT_MS },
    );
    return Number(result.numAffectedRows ?? 0);
  }

  #maybePurge(now: number): void {
    if (this.#purgeIntervalMs === 0 || now < this.#nextPurgeAt) return;
    this.#nextPurgeAt = now + this.#purgeIntervalMs;
    // Housekeeping must never fail or slow a claim; a failed purge is retried next interval.
    this.purgeExpired().catch(() => {});
  }
}
