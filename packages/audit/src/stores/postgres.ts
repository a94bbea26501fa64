import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { bodyStart } from '../body.js';
import type { ChainHead, Checkpoint } from '../chain.js';
import { AuditChainConflictError } from '../errors.js';
import type {
  AuditCount,
  AuditRow,
  AuditStore,
  AuditStoreQuery,
  ChainLinkRow,
  StoredAuditRow,
  UserKeyEntry,
} from '../store.js';
import { AUDIT_TABLES } from './postgres-migrations.js';
import { selectRows } from './postgres-rows.js';

/** Options of {@link PostgresAuditStore}. */
export interface PostgresAuditStoreOptions {
  /** The application's Kysely instance on Postgres; Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our tables
  db: Kysely<any>;
  /** The schema `migrate(db, [auditMigrations])` created the tables in; default `public`. */
  schema?: string;
  /** How long one statement may take before it fails with `StoreUnavailableError`; default 10 000. */
  queryTimeoutMs?: number;
}

const shape = postgresStoreOptionsShape({ queryTimeoutMs: 10_000 });
const optionsSchema = z.strictObject({
  db: shape.db,
  schema: shape.schema,
  queryTimeoutMs: shape.queryTimeoutMs,
});

const STORE = 'postgres-audit-store';

interface RecordRow {
  id: string;
  chain: string;
  seq: string;
  at: string;
  type: string;
  severity: StoredAuditRow['severity'];
  outcome: StoredAuditRow['outcome'];
  subject: string | null;
  count: number;
  body: string;
  hash: string;
}

function toStored(row: RecordRow): StoredAuditRow {
  return {
    id: String(row.id),
    chain: row.chain,
    seq: Number(row.seq),
    at: Number(row.at),
    type: row.type,
    severity: row.severity,
    outcome: row.outcome,
    subject: row.subject,
    count: Number(row.count),
    body: row.body,
    hash: row.hash,
  };
}

/** Whether `error` (or what it wraps) is Postgres's unique violation. */
function isUniqueViolation(error: unknown): boolean {
  for (let cause = error; cause instanceof Error || typeof cause === 'object'; ) {
    if ((cause as { code?: unknown } | null)?.code === '23505') return true;
    cause = (cause as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) return false;
  }
  return false;
}

/**
 * The trail's store on Postgres (run `migrate(db, [auditMigrations])` first): an append-only
 * table (a trigger refuses updates), a batch appended with its checkpoint in one statement (one
 * transaction, one round trip: `insert … select from unnest(…)`, see postgres-rows.ts), user
 * keys in their own table so erasing a user is deleting one row.
 *
 * @example
 * await migrate(db, [auditMigrations]);
 * const trail = createAuditTrail({ …, store: new PostgresAuditStore({ db }) });
 */
export class PostgresAuditStore implements AuditStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresAuditStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #deadline: StoreDeadline;
  readonly #records: RawBuilder<unknown>;
  readonly #checkpoints: RawBuilder<unknown>;
  readonly #userKeys: RawBuilder<unknown>;

  constructor(options: PostgresAuditStoreOptions) {
    const parsed = parseOptions('PostgresAuditStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresAuditStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#records = sql.id(parsed.schema, AUDIT_TABLES.records);
    this.#checkpoints = sql.id(parsed.schema, AUDIT_TABLES.checkpoints);
    this.#userKeys = sql.id(parsed.schema, AUDIT_TABLES.userKeys);
  }

  async head(chain: string): Promise<ChainHead | undefined> {
    const [row] = await this.#query<{ seq: string; hash: string }>(sql`
      select seq, hash from ${this.#records} where chain = ${chain} order by seq desc limit 1`);
    return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
  }

  async append(rows: readonly AuditRow[], checkpoint?: Checkpoint): Promise<void> {
    if (rows.length === 0 && checkpoint === undefined) return;
    try {
      await this.#query(sql`
        with appended as (
          insert into ${this.#records} (chain, seq, at, type, severity, outcome, subject, count, body, hash)
          ${selectRows(rows)}
          returning 1
        ), checkpointed as (
          insert into ${this.#checkpoints} (chain, seq, hash, at, signature)
          select ${checkpoint?.chain ?? null}::text, ${checkpoint?.seq ?? null}::bigint,
            ${checkpoint?.hash ?? null}::text, ${checkpoint?.at ?? null}::bigint,
            ${checkpoint?.signature ?? null}::text
          where ${checkpoint !== undefined}
          returning 1
        )
        select (select count(*) from appended) as appended, (select count(*) from checkpointed) as checkpointed`);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AuditChainConflictError(rows[0]?.chain ?? checkpoint?.chain ?? '', error);
      }
      throw error;
    }
  }

  async chains(): Promise<string[]> {
    const rows = await this.#query<{ chain: string }>(sql`
      select distinct chain from ${this.#checkpoints}
      union select distinct chain from ${this.#records}`);
    return rows.map((row) => row.chain);
  }

  async readChain(chain: string, afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
    const rows = await this.#query<RecordRow>(sql`
      select id, chain, seq, at, type, severity, outcome, subject, count, body, hash
      from ${this.#records} where chain = ${chain} and seq > ${afterSeq}
      order by seq limit ${limit}`);
    return rows.map(toStored);
  }

  async readLinks(chain: string, afterSeq: number, limit: number): Promise<ChainLinkRow[]> {
    // A page is first read as the range of sequence numbers it spans when nothing is missing:
    // unbounded, on a table Postgres has no statistics for yet (just written), the planner sorts
    // every later record of the chain for each page (a bitmap scan and a top-N sort), and verify()
    // grows quadratic. A short range (the chain's end, or a gap) is completed by an unbounded read.
    const rows = await this.#links(chain, afterSeq, afterSeq + limit, limit);
    if (rows.length === limit) return rows;
    const rest = await this.#links(
      chain,
      rows.at(-1)?.seq ?? afterSeq,
      undefined,
      limit - rows.length,
    );
    return rest.length === 0 ? rows : [...rows, ...rest];
  }

  /** Up to `limit` links of `chain` with `afterSeq < seq <= throughSeq`, in sequence order. */
  async #links(
    chain: string,
    afterSeq: number,
    throughSeq: number | undefined,
    limit: number,
  ): Promise<ChainLinkRow[]> {
    // The columns are compared with the text's start here, as columnsMatchBody (body.ts) does in
    // the process: Postgres's to_json writes a text value as JSON.stringify does, and bigint and
    // integer print without leading zeros. Four fields a row instead of eleven: decoding the row
    // was half of verify()'s time. `seq` comes as text: pg's bigint parser runs a regex per value.
    const rows = await this.#query<{
      seqText: string;
      body: string;
      hash: string;
      columnsMatch: boolean;
    }>(sql`
      select seq::text as "seqText", body, hash, starts_with(body, ${bodyStart(chain)}::text || seq
        || ',"at":' || at || ',"type":' || to_json(type)::text
        || ',"severity":' || to_json(severity)::text || ',"outcome":' || to_json(outcome)::text
        || ',"subject":' || coalesce(to_json(subject)::text, 'null') || ',"count":' || count
        || ',') as "columnsMatch"
      from ${this.#records} where chain = ${chain} and seq > ${afterSeq}
        and ${throughSeq === undefined ? sql`true` : sql`seq <= ${throughSeq}`}
      order by seq limit ${limit}`);
    return rows.map((row) => ({
      seq: Number(row.seqText),
      body: row.body,
      hash: row.hash,
      columnsMatch: row.columnsMatch,
    }));
  }

  async checkpoints(chain: string): Promise<Checkpoint[]> {
    const rows = await this.#query<{
      chain: string;
      seq: string;
      hash: string;
      at: string;
      signature: string;
    }>(sql`
      select chain, seq, hash, at, signature from ${this.#checkpoints}
      where chain = ${chain} order by seq`);
    return rows.map((row) => ({
      chain: row.chain,
      seq: Number(row.seq),
      hash: row.hash,
      at: Number(row.at),
      signature: row.signature,
    }));
  }

  async query(query: AuditStoreQuery): Promise<StoredAuditRow[]> {
    const filters: RawBuilder<unknown>[] = [sql`true`];
    if (query.types !== undefined) filters.push(sql`type = any(${[...query.types]}::text[])`);
    if (query.subject !== undefined) filters.push(sql`subject = ${query.subject}`);
    if (query.outcome !== undefined) filters.push(sql`outcome = ${query.outcome}`);
    if (query.since !== undefined) filters.push(sql`at >= ${query.since}`);
    if (query.until !== undefined) filters.push(sql`at < ${query.until}`);
    if (query.before !== undefined) filters.push(sql`id < ${query.before}::bigint`);
    const rows = await this.#query<RecordRow>(sql`
      select id, chain, seq, at, type, severity, outcome, subject, count, body, hash
      from ${this.#records} where ${sql.join(filters, sql` and `)}
      order by id desc limit ${query.limit}`);
    return rows.map(toStored);
  }

  async counts(since: number, until: number): Promise<AuditCount[]> {
    const rows = await this.#query<{
      type: string;
      outcome: AuditCount['outcome'];
      sealed: string;
      count: string;
    }>(sql`
      select type, outcome, sum(count)::bigint as count,
        sum(case when subject is null then 0 else count end)::bigint as sealed
      from ${this.#records} where at >= ${since} and at < ${until}
      group by type, outcome`);
    return rows.map((row) => ({
      type: row.type,
      outcome: row.outcome,
      sealed: Number(row.sealed),
      count: Number(row.count),
    }));
  }

  async ensureUserKeys(entries: readonly UserKeyEntry[]): Promise<UserKeyEntry[]> {
    if (entries.length === 0) return [];
    const now = Date.now();
    const rows = await this.#query<{ user_ref: string; subject: string; sealed_key: string }>(sql`
      with input as (
        select * from unnest(${entries.map((e) => e.userRef)}::text[],
          ${entries.map((e) => e.subject)}::text[], ${entries.map((e) => e.sealedKey)}::text[])
          as i(user_ref, subject, sealed_key)
      ), inserted as (
        insert into ${this.#userKeys} (user_ref, subject, sealed_key, created_at)
        select user_ref, subject, sealed_key, ${now}::bigint from input
        on conflict (user_ref) do nothing
        returning user_ref, subject, sealed_key
      )
      select user_ref, subject, sealed_key from inserted
      union all
      select k.user_ref, k.subject, k.sealed_key from ${this.#userKeys} as k
      join input as i on i.user_ref = k.user_ref`);
    // A ref missing: another first key of it committed after this statement's snapshot (the
    // insert waited on it, then did nothing, and the join cannot see it). A new statement does.
    const answered = new Set(rows.map((row) => row.user_ref));
    const missing = [...new Set(entries.map((e) => e.userRef))].filter((ref) => !answered.has(ref));
    if (missing.length > 0) {
      rows.push(
        ...(await this.#query<{ user_ref: string; subject: string; sealed_key: string }>(sql`
          select user_ref, subject, sealed_key from ${this.#userKeys}
          where user_ref = any(${missing}::text[])`)),
      );
    }
    return rows.map((row) => ({
      userRef: row.user_ref,
      subject: row.subject,
      sealedKey: row.sealed_key,
    }));
  }

  async findUserKey(userRef: string): Promise<UserKeyEntry | undefined> {
    const [row] = await this.#query<{ subject: string; sealed_key: string }>(sql`
      select subject, sealed_key from ${this.#userKeys} where user_ref = ${userRef}`);
    return row === undefined
      ? undefined
      : { userRef, subject: row.subject, sealedKey: row.sealed_key };
  }

  async subjectKeys(subjects: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.#query<{ subject: string; sealed_key: string }>(sql`
      select subject, sealed_key from ${this.#userKeys} where subject = any(${[...subjects]}::text[])`);
    return new Map(rows.map((row) => [row.subject, row.sealed_key]));
  }

  async deleteUserKey(userRef: string): Promise<void> {
    await this.#query(sql`delete from ${this.#userKeys} where user_ref = ${userRef}`);
  }

  async deleteThrough(chain: string, throughSeq: number): Promise<number> {
    const [row] = await this.#query<{ deleted: string }>(sql`
      with deleted as (
        delete from ${this.#records} where chain = ${chain} and seq <= ${throughSeq} returning 1
      ), old_checkpoints as (
        delete from ${this.#checkpoints} where chain = ${chain} and seq < ${throughSeq} returning 1
      )
      select (select count(*) from deleted) as deleted, (select count(*) from old_checkpoints) as checkpoints`);
    return Number(row?.deleted ?? 0);
  }

  async #query<Row>(query: RawBuilder<unknown>): Promise<Row[]> {
    const result = await this.#deadline.run(() => query.execute(this.#db));
    return result.rows as Row[];
  }
}
