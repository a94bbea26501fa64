import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import {
  createStoreDeadline,
  deleteExpiredBatch,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type {
  JwtNonceStore,
  SpendResult,
  TokenLookup,
  TokenRecord,
  TokenRef,
  TokenStatus,
  UserWatermark,
} from '../store.js';
import { JWT_NONCE_TABLES } from './postgres-migrations.js';

/** Options of {@link PostgresJwtNonceStore}. */
export interface PostgresJwtNonceStoreOptions {
  /** The application's Kysely instance on Postgres; Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our tables
  db: Kysely<any>;
  /** The schema `migrate(db, [jwtNonceMigrations])` created the tables in; default `public`. */
  schema?: string;
  /** Where "now" comes from for expiry; default the system clock (keep servers on NTP). */
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

const STORE = 'postgres-jwt-nonce-store';
const STATUS: Readonly<Record<string, TokenStatus>> = { a: 'active', s: 'spent', r: 'revoked' };
const PURGE_BATCH = 1000;

interface StateRow {
  status: string | null;
  issued_at: string | null;
  /** The row was written for the presented `sub`, `family` and `kind`; null without a row. */
  bound: boolean | null;
  family_revoked: boolean;
  revoked_before: string | null;
}

const toNumber = (value: string | null) => (value === null ? undefined : Number(value));

/**
 * A `JwtNonceStore` on Postgres (run `migrate(db, [jwtNonceMigrations])` first). Every
 * operation is one statement, one round trip. Spending a refresh token is
 * `update … set status = 's' where … and status = 'a' returning …`: the row lock makes exactly
 * one of any number of concurrent spends match; the others re-check the row, find it spent, and
 * are told `reused`. The same statement reads the family and the user's watermark. A token row
 * names the `sub`, `family` and `kind` it was issued to; presented with others, it is
 * `mismatched`.
 *
 * @example
 * await migrate(db, [jwtNonceMigrations]);
 * const store = new PostgresJwtNonceStore({ db });
 */
export class PostgresJwtNonceStore implements JwtNonceStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresJwtNonceStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  /** Every query's bound, and one warning if the schema was never migrated. */
  readonly #deadline: StoreDeadline;
  readonly #purgeIntervalMs: number;
  readonly #tokens: RawBuilder<unknown>;
  readonly #families: RawBuilder<unknown>;
  readonly #users: RawBuilder<unknown>;
  #nextPurgeAt: number;

  constructor(options: PostgresJwtNonceStoreOptions) {
    const parsed = parseOptions('PostgresJwtNonceStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#clock = parsed.clock ?? systemClock;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresJwtNonceStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#purgeIntervalMs = parsed.purgeIntervalMs;
    this.#tokens = sql.id(parsed.schema, JWT_NONCE_TABLES.tokens);
    this.#families = sql.id(parsed.schema, JWT_NONCE_TABLES.families);
    this.#users = sql.id(parsed.schema, JWT_NONCE_TABLES.users);
    this.#nextPurgeAt = this.#clock.now() + this.#purgeIntervalMs;
  }

  async record(records: readonly TokenRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map(
      (r) =>
        sql`(${r.iss}, ${r.jti}, ${r.sub}, ${r.family}, ${r.kind},
          'a', ${r.issuedAt}, ${r.expiresAt})`,
    );
    await this.#query(sql`
      insert into ${this.#tokens} (iss, jti, sub, family, kind, status, issued_at, expires_at)
      values ${sql.join(rows)} on conflict (iss, jti) do nothing`);
  }

  async lookup(ref: TokenRef): Promise<TokenLookup> {
    const now = this.#now();
    const [row] = await this.#query<StateRow>(sql`
      select t.status, t.issued_at,
        (t.sub = ${ref.sub} and t.family = ${ref.family} and t.kind = ${ref.kind}) as bound,
        ${this.#context(ref, now)}
      from (select 1) as one
      left join ${this.#tokens} as t on t.iss = ${ref.iss} and t.jti = ${ref.jti} and t.expires_at > ${now}`);
    const state = row as StateRow;
    return {
      status:
        state.status === null
          ? 'absent'
          : state.bound === false
            ? 'mismatched'
            : (STATUS[state.status] ?? 'revoked'),
      issuedAt: state.bound === true ? toNumber(state.issued_at) : undefined,
      familyRevoked: state.family_revoked,
      userRevokedBefore: toNumber(state.revoked_before),
    };
  }

  async spend(ref: TokenRef, requireRecord: boolean): Promise<SpendResult> {
    const now = this.#now();
    const key = sql`iss = ${ref.iss} and jti = ${ref.jti}`;
    // The row was written for this user, family and kind: only then is it this token.
    const bound = sql`(sub = ${ref.sub} and family = ${ref.family} and kind = ${ref.kind})`;
    // Only a refresh token is spent; an access token's id never starts a refresh chain.
    const refresh = ref.kind === 'refresh';
    // Every CTE sees the snapshot taken when the statement started: `current` is the row before
    // this statement, whatever a concurrent spend did since.
    const [row] = await this.#query<StateRow & { won: number }>(sql`
      with current as (
        select status, issued_at, ${bound} as bound
        from ${this.#tokens} where ${key} and expires_at > ${now}
      ), spent as (
        update ${this.#tokens} set status = 's'
        where ${key} and ${bound} and ${refresh} and status = 'a' and expires_at > ${now}
        returning 1
      ), inserted as (
        insert into ${this.#tokens} (iss, jti, sub, family, kind, status, issued_at, expires_at)
        select ${ref.iss}, ${ref.jti}, ${ref.sub}, ${ref.family}, ${ref.kind},
          's', null, ${ref.expiresAt}
        where ${!requireRecord && refresh}
        on conflict (iss, jti) do nothing returning 1
      )
      select
        ((select count(*) from spent) + (select count(*) from inserted))::int as won,
        (select status from current) as status,
        (select issued_at from current) as issued_at,
        (select bound from current) as bound,
        ${this.#context(ref, now)}`);
    const state = row as StateRow & { won: number };
    const context = {
      issuedAt: state.bound === true ? toNumber(state.issued_at) : undefined,
      familyRevoked: state.family_revoked,
      userRevokedBefore: toNumber(state.revoked_before),
    };
    if (state.won === 1) return { outcome: 'spent', ...context };
    if (state.bound === false) return { outcome: 'mismatched', ...context };
    if (!refresh) return { outcome: 'invalid', ...context };
    // Lost: the row was spent before, or by a concurrent statement (then `current` still says
    // 'a'); in deny-list mode a concurrent first spend inserted the row we could not see.
    const reused =
      state.status === 's' || state.status === 'a' || (state.status === null && !requireRecord);
    return { outcome: reused ? 'reused' : 'invalid', ...context };
  }

  async revoke(ref: TokenRef): Promise<void> {
    // A recorded row keeps the user, family and kind it was issued to.
    await this.#query(sql`
      insert into ${this.#tokens} as t (iss, jti, sub, family, kind, status, issued_at, expires_at)
      values (${ref.iss}, ${ref.jti}, ${ref.sub}, ${ref.family}, ${ref.kind},
        'r', null, ${ref.expiresAt})
      on conflict (iss, jti) do update
      set status = 'r', expires_at = greatest(t.expires_at, excluded.expires_at)`);
  }

  async revokeFamily(iss: string, sub: string, family: string, expiresAt: number): Promise<void> {
    await this.#query(sql`
      insert into ${this.#families} as f (iss, sub, family, expires_at)
      values (${iss}, ${sub}, ${family}, ${expiresAt})
      on conflict (iss, sub, family) do update
      set expires_at = greatest(f.expires_at, excluded.expires_at)`);
  }

  async revokeAllForUser({ iss, sub, at, expiresAt }: UserWatermark): Promise<void> {
    await this.#query(this.#watermark(iss, sub, at, expiresAt));
  }

  /** One statement: the user's token rows and family rows of every issuer; watermarks stay. */
  async purgeUser(userId: string): Promise<void> {
    await this.#query(sql`
      with tokens as (delete from ${this.#tokens} where sub = ${userId} returning 1),
      families as (delete from ${this.#families} where sub = ${userId} returning 1)
      select (select count(*) from tokens) + (select count(*) from families) as deleted`);
  }

  /**
   * Deletes up to 1000 expired rows of each table and resolves how many. Operations run one batch
   * every `purgeIntervalMs`; with `purgeIntervalMs: 0`, call this from a scheduled job.
   */
  async purgeExpired(): Promise<number> {
    const now = this.#clock.now();
    let deleted = 0;
    for (const table of [this.#tokens, this.#families, this.#users]) {
      const result = await this.#deadline.run(() =>
        deleteExpiredBatch(table, now, PURGE_BATCH).execute(this.#db),
      );
      deleted += Number(result.numAffectedRows ?? 0);
    }
    return deleted;
  }

  #watermark(iss: string, sub: string, at: number, expiresAt: number): RawBuilder<unknown> {
    return sql`
      insert into ${this.#users} as u (iss, sub, revoked_before, expires_at)
      values (${iss}, ${sub}, ${at}, ${expiresAt})
      on conflict (iss, sub) do update
      set revoked_before = greatest(u.revoked_before, excluded.revoked_before),
          expires_at = greatest(u.expires_at, excluded.expires_at)`;
  }

  /** The family and watermark columns every read returns. */
  #context(ref: TokenRef, now: number): RawBuilder<unknown> {
    return sql`
      exists(select 1 from ${this.#families} as f where f.iss = ${ref.iss} and f.sub = ${ref.sub}
        and f.family = ${ref.family} and f.expires_at > ${now}) as family_revoked,
      (select u.revoked_before from ${this.#users} as u where u.iss = ${ref.iss}
        and u.sub = ${ref.sub} and u.expires_at > ${now}) as revoked_before`;
  }

  #now(): number {
    const now = this.#clock.now();
    if (this.#purgeIntervalMs > 0 && now >= this.#nextPurgeAt) {
      this.#nextPurgeAt = now + this.#purgeIntervalMs;
      // Housekeeping never fails or slows an operation; a failed purge is retried next interval.
      this.purgeExpired().catch(() => {});
    }
    return now;
  }

  async #query<Row>(query: RawBuilder<unknown>): Promise<Row[]> {
    const result = await this.#deadline.run(() => query.execute(this.#db));
    return result.rows as Row[];
  }
}
