import type { Kysely } from 'kysely';
import { CompiledQuery, type QueryResult, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { clockSchema, parseOptions } from '../config.js';
import type { NonceStore } from '../nonce-store.js';
import { assertClaimArguments, nonceKey } from '../nonce-store.js';
import { deleteExpiredBatch } from '../postgres/delete-expired-batch.js';
import { postgresStoreDeadline, postgresStoreOptionsShape } from '../postgres/store-options.js';
import { CLAIM_NONCE_FUNCTION, NONCE_TABLE } from './postgres-nonce-migrations.js';
import { createStoreDeadline, type StoreDeadline, withTimeout } from './store-deadline.js';

/** Options of {@link PostgresNonceStore}. */
export interface PostgresNonceStoreOptions {
  /** The application's Kysely instance on Postgres. Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our table
  db: Kysely<any>;
  /** The schema `migrate()` created `rampart_core_nonces` in; default `public`. */
  schema?: string;
  /**
   * Where "now" comes from; default the system clock. Expiry compares epoch milliseconds of this
   * clock, so app servers sharing the table should keep their clocks in sync (NTP).
   */
  clock?: Clock;
  /**
   * How long a claim may wait (for a pooled connection, then the insert) before it fails with
   * `StoreUnavailableError`; default 2000. Also set `connectionTimeoutMillis` on the pg Pool:
   * without it pg waits for a connection forever and the pool fills with waiters.
   */
  queryTimeoutMs?: number;
  /**
   * Every this many milliseconds a claim also starts one `purgeExpired()` batch in the
   * background (not awaited, failures ignored); `0` turns it off for a scheduled job to do.
   * Default 60 000.
   */
  purgeIntervalMs?: number;
}

/** Options of {@link PostgresNonceStore.purgeExpired}. */
export interface PurgeExpiredOptions {
  /** Rows deleted by one statement, bounding its locks and its WAL; default 1000. */
  batchSize?: number;
}

const optionsSchema = z.strictObject({
  ...postgresStoreOptionsShape({ queryTimeoutMs: 2000 }),
  clock: clockSchema.optional(),
});

const purgeSchema = z.strictObject({
  batchSize: z.number().int().min(1).max(100_000).default(1000),
});

const STORE = 'postgres-nonce-store';
/** A purge deletes up to a batch of rows; it may take longer than a claim. */
const PURGE_TIMEOUT_MS = 30_000;

/** The claim function's answer: `true` only for the call that wrote the row. */
function claimedByThisCall(result: QueryResult<unknown>): boolean {
  return (result.rows[0] as { claimed?: unknown } | undefined)?.claimed === true;
}

/**
 * A `NonceStore` on Postgres (run `migrate(db, [nonceStoreMigrations])` first). A claim is one
 * statement, one round trip, calling `rampart_core_claim_nonce($1, $2, $3)`, a PL/pgSQL function
 * that runs
 *
 * ```sql
 * insert into rampart_core_nonces as nonce (key, expires_at) values (p_key, p_expires_at)
 * on conflict (key) do update set expires_at = excluded.expires_at
 *   where nonce.expires_at <= p_now
 * ```
 *
 * and answers whether it wrote a row: only the caller who inserted the key or took over its
 * expired row gets `true`. The unique index lets one insert win, and the conflicting row's lock
 * plus the re-check of `expires_at` let one takeover win. The function is there for speed: its
 * plan is made once per connection, where the same upsert sent as a statement was parsed and
 * planned on every claim. The statement is compiled once, at construction: building it with
 * Kysely on every claim cost ~50 µs of CPU, more than the round trip it describes.
 *
 * Trade-off, measured: Postgres locks the conflicting row even when the `where` is false, so a
 * refused replay costs a durable commit like an accepted claim, and replays of one nonce queue on
 * its row (500 concurrent copies: ~1 s instead of ~0.2 s). A statement that only reads on refusal
 * (`insert … do nothing` plus a conditional `update` in one CTE) avoids that but cost ~100 µs of
 * planning on every claim, the common path; replays are the rare one.
 *
 * Expired rows are invisible at once and deleted later by {@link PostgresNonceStore.purgeExpired}.
 *
 * @example
 * await migrate(db, [nonceStoreMigrations]);
 * const store = new PostgresNonceStore({ db });
 */
export class PostgresNonceStore implements NonceStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresNonceStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  readonly #deadline: StoreDeadline;
  readonly #claimSql: string;
  /** The table, schema-qualified, for the purge's raw SQL (`withSchema` does not reach it). */
  readonly #table: RawBuilder<unknown>;
  readonly #purgeIntervalMs: number;
  #nextPurgeAt: number;

  constructor(options: PostgresNonceStoreOptions) {
    const parsed = parseOptions('PostgresNonceStore', optionsSchema, options);
    this.#db = parsed.db.withSchema(parsed.schema);
    this.#clock = parsed.clock ?? systemClock;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresNonceStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#claimSql = compileClaim(this.#db, parsed.schema);
    this.#table = sql.id(parsed.schema, NONCE_TABLE);
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
    this.#nextPurgeAt = this.#clock.now() + this.#purgeIntervalMs;
  }

  /** See `NonceStore.claim`. */
  claim(scope: string, nonce: string, ttlMs: number): Promise<boolean> {
    let query: CompiledQuery<unknown>;
    try {
      assertClaimArguments(scope, nonce, ttlMs);
      const now = this.#clock.now();
      this.#maybePurge(now);
      query = CompiledQuery.raw(this.#claimSql, [nonceKey(scope, nonce), now + ttlMs, now]);
    } catch (error) {
      return Promise.reject(error);
    }
    // One promise a claim: the deadline's, resolving with the boolean.
    return this.#deadline.run(() => this.#db.executeQuery(query), claimedByThisCall);
  }

  /**
   * Deletes up to `batchSize` expired rows and resolves how many it deleted. Claims never need
   * it (an expired row is taken over in place); it only keeps the table and its index small.
   * Claims run one batch every `purgeIntervalMs` on their own; to purge from a scheduled job
   * instead, set `purgeIntervalMs: 0` and call this every minute or so, again while it returns
   * `batchSize`. Concurrent purges skip each other's rows rather than wait.
   */
  async purgeExpired(options: PurgeExpiredOptions = {}): Promise<number> {
    const { batchSize } = parseOptions('PostgresNonceStore.purgeExpired', purgeSchema, options);
    const now = this.#clock.now();
    const result = await withTimeout(
      () => deleteExpiredBatch(this.#table, now, batchSize).execute(this.#db),
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

/**
 * The claim statement's SQL, built by Kysely once so the schema and function are quoted by it,
 * with parameters `$1` key, `$2` new expiry, `$3` now.
 */
// biome-ignore lint/suspicious/noExplicitAny: see PostgresNonceStoreOptions.db
function compileClaim(db: Kysely<any>, schema: string): string {
  const fn = sql.id(schema, CLAIM_NONCE_FUNCTION);
  const compiled = sql`select ${fn}(${''}, ${0}, ${0}) as claimed`.compile(db);
  if (compiled.parameters.length !== 3) {
    throw new Error(
      `PostgresNonceStore: expected 3 claim parameters, got ${compiled.parameters.length}`,
    );
  }
  return compiled.sql;
}
