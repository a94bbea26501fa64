import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type {
  ApiKeyChange,
  ApiKeyCheck,
  ApiKeyLookup,
  ApiKeyOutcome,
  ApiKeyRecord,
  ApiKeyRef,
  ApiKeyStore,
} from '../store.js';
import { API_KEY_TABLES } from './postgres-migrations.js';

/** Options of {@link PostgresApiKeyStore}. */
export interface PostgresApiKeyStoreOptions {
  /** The application's Kysely instance on Postgres; Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our tables
  db: Kysely<any>;
  /** The schema `migrate(db, [apiKeyMigrations])` created the table in; default `public`. */
  schema?: string;
  /** How long one statement may take before it fails with `StoreUnavailableError`; default 2000. */
  queryTimeoutMs?: number;
}

const optionsSchema = z.strictObject(postgresStoreOptionsShape({ queryTimeoutMs: 2000 }));

const STORE = 'postgres-api-key-store';

/** A key's row; bigint columns arrive as text. */
interface KeyRow {
  id: string;
  owner_id: string;
  name: string;
  environment: string;
  scopes: string[];
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_valid_until: string | null;
  signing_secret: string | null;
  previous_signing_secret: string | null;
  created_at: string;
  expires_at: string | null;
  rotated_at: string | null;
  rotation_due_at: string | null;
  last_used_at: string | null;
  disabled: boolean;
  revoked_at: string | null;
  metadata: Record<string, string | number | boolean> | null;
  rate_limit: string | null;
  rate_window_ms: string | null;
}

/** What the verify statement reads (the row as it was) and whether it counted this request. */
interface VerifyRow {
  owner_id: string;
  scopes: string[];
  matched: string | null;
  matched_previous: boolean;
  revoked_at: string | null;
  expires_at: string | null;
  disabled: boolean;
  last_used_at: string | null;
  rotation_due_at: string | null;
  rate_limit: string | null;
  rate_window_ms: string | null;
  counter_window: string | null;
  counter_count: string | null;
  counted: string | null;
}

const time = (value: string | null) => (value === null ? undefined : Number(value));

function toRecord(row: KeyRow): ApiKeyRecord {
  const limit = time(row.rate_limit);
  const windowMs = time(row.rate_window_ms);
  return Object.freeze({
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    environment: row.environment,
    scopes: Object.freeze([...row.scopes]),
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash ?? undefined,
    previousValidUntil: time(row.previous_valid_until),
    signingSecret: row.signing_secret ?? undefined,
    previousSigningSecret: row.previous_signing_secret ?? undefined,
    createdAt: Number(row.created_at),
    expiresAt: time(row.expires_at),
    rotatedAt: time(row.rotated_at),
    rotationDueAt: time(row.rotation_due_at),
    lastUsedAt: time(row.last_used_at),
    disabled: row.disabled,
    revokedAt: time(row.revoked_at),
    metadata: row.metadata === null ? undefined : Object.freeze({ ...row.metadata }),
    rateLimit:
      limit === undefined || windowMs === undefined
        ? undefined
        : Object.freeze({ limit, windowMs }),
  });
}

/** The lookup of a verify row at `now` (see `verify`). */
function toLookup(row: VerifyRow | undefined, now: number, cost: number): ApiKeyLookup {
  const empty = {
    matchedHash: undefined,
    ownerId: undefined,
    scopes: undefined,
    expiresAt: undefined,
    lastUsedAt: undefined,
    rotationDueAt: undefined,
    matchedPrevious: false,
    rateLimit: undefined,
  };
  if (row === undefined) return { outcome: 'unknown', ...empty };
  if (row.matched === null) return { outcome: 'mismatch', ...empty };
  const expiresAt = time(row.expires_at);
  let outcome: ApiKeyOutcome = 'valid';
  let rateLimit: ApiKeyLookup['rateLimit'];
  if (row.revoked_at !== null) outcome = 'revoked';
  else if (expiresAt !== undefined && expiresAt <= now) outcome = 'expired';
  else if (row.disabled) outcome = 'disabled';
  else if (row.rate_limit !== null && row.rate_window_ms !== null) {
    const limit = Number(row.rate_limit);
    const windowMs = Number(row.rate_window_ms);
    // rate-limit's checkFixedWindow, on the count the statement wrote (or read, for cost 0).
    const start = now - (now % windowMs);
    const before =
      row.counter_window !== null && Number(row.counter_window) === start
        ? Number(row.counter_count)
        : 0;
    const counted = row.counted !== null ? Number(row.counted) : cost === 0 ? before : undefined;
    const resetMs = start + windowMs - now;
    if (counted === undefined) outcome = 'limited';
    rateLimit = {
      limit,
      windowMs,
      remaining: counted === undefined ? 0 : Math.max(0, limit - counted),
      resetMs,
      retryAfterMs: counted === undefined ? resetMs : 0,
    };
  }
  return {
    outcome,
    matchedHash: row.matched,
    ownerId: row.owner_id,
    scopes: Object.freeze([...row.scopes]),
    expiresAt,
    lastUsedAt: time(row.last_used_at),
    rotationDueAt: time(row.rotation_due_at),
    matchedPrevious: row.matched_previous,
    rateLimit,
  };
}

/**
 * An `ApiKeyStore` on Postgres (run `migrate(db, [apiKeyMigrations])` first). A verification
 * is one statement: it reads the key by its primary key and, in the same statement, counts the
 * request against the key's limit with `update … where <secret matches> and <not revoked,
 * expired or disabled> and <count + 1 <= limit> returning …`. The row lock serialises concurrent
 * requests of one key and Postgres re-checks the condition on the row each waiter finds, so
 * exactly `limit` of them are counted.
 *
 * @example
 * await migrate(db, [apiKeyMigrations]);
 * const store = new PostgresApiKeyStore({ db });
 */
export class PostgresApiKeyStore implements ApiKeyStore {
  readonly name = STORE;
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresApiKeyStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #deadline: StoreDeadline;
  readonly #keys: RawBuilder<unknown>;

  constructor(options: PostgresApiKeyStoreOptions) {
    const parsed = parseOptions('PostgresApiKeyStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: STORE,
        owner: 'PostgresApiKeyStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#keys = sql.id(parsed.schema, API_KEY_TABLES.keys);
  }

  async create(r: ApiKeyRecord): Promise<void> {
    await this.#query(sql`
      insert into ${this.#keys} (id, owner_id, name, environment, scopes, secret_hash,
        previous_secret_hash, previous_valid_until, signing_secret, previous_signing_secret,
        created_at, expires_at, rotated_at, rotation_due_at, last_used_at, disabled, revoked_at,
        metadata, rate_limit, rate_window_ms)
      values (${r.id}, ${r.ownerId}, ${r.name}, ${r.environment}, ${[...r.scopes]}::text[],
        ${r.secretHash}, ${r.previousSecretHash ?? null}, ${r.previousValidUntil ?? null},
        ${r.signingSecret ?? null}, ${r.previousSigningSecret ?? null}, ${r.createdAt},
        ${r.expiresAt ?? null}, ${r.rotatedAt ?? null}, ${r.rotationDueAt ?? null},
        ${r.lastUsedAt ?? null}, ${r.disabled}, ${r.revokedAt ?? null},
        ${r.metadata === undefined ? null : JSON.stringify(r.metadata)}::jsonb,
        ${r.rateLimit?.limit ?? null}, ${r.rateLimit?.windowMs ?? null})`);
  }

  async verify({ id, secretHashes, now, cost }: ApiKeyCheck): Promise<ApiKeyLookup> {
    const hashes = sql`${[...secretHashes]}::text[]`;
    const at = sql`${now}::bigint`;
    const start = sql`(${at} - ${at} % k.rate_window_ms)`;
    const [row] = await this.#query<VerifyRow>(sql`
      with counted as (
        update ${this.#keys} as k
        set counter_count = case when k.counter_window = ${start} then k.counter_count + ${cost}
                                 else ${cost}::bigint end,
            counter_window = ${start}
        where k.id = ${id} and ${cost}::int > 0 and k.rate_limit is not null
          and (k.secret_hash = any(${hashes})
               or (k.previous_secret_hash = any(${hashes}) and k.previous_valid_until > ${at}))
          and k.revoked_at is null and (k.expires_at is null or k.expires_at > ${at})
          and not k.disabled
          and (case when k.counter_window = ${start} then k.counter_count else 0 end) + ${cost}
              <= k.rate_limit
        returning k.counter_count
      )
      select k.owner_id, k.scopes, k.revoked_at, k.expires_at, k.disabled, k.last_used_at,
        k.rotation_due_at, k.rate_limit, k.rate_window_ms, k.counter_window, k.counter_count,
        case when k.secret_hash = any(${hashes}) then k.secret_hash
             when k.previous_secret_hash = any(${hashes}) and k.previous_valid_until > ${at}
               then k.previous_secret_hash end as matched,
        (k.secret_hash <> all(${hashes}) and k.previous_secret_hash = any(${hashes})
          and k.previous_valid_until > ${at}) is true as matched_previous,
        (select counter_count from counted) as counted
      from ${this.#keys} as k where k.id = ${id}`);
    return toLookup(row, now, cost);
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.#query<KeyRow>(sql`select * from ${this.#keys} where id = ${id}`);
    return row === undefined ? undefined : toRecord(row);
  }

  async get(ref: ApiKeyRef): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.#query<KeyRow>(
      sql`select * from ${this.#keys} where id = ${ref.id} and owner_id = ${ref.ownerId}`,
    );
    return row === undefined ? undefined : toRecord(row);
  }

  async list(ownerId: string): Promise<readonly ApiKeyRecord[]> {
    const rows = await this.#query<KeyRow>(sql`
      select * from ${this.#keys} where owner_id = ${ownerId} and revoked_at is null
      order by created_at, id`);
    return rows.map(toRecord);
  }

  async update(ref: ApiKeyRef, change: ApiKeyChange, ifSecretHash?: string): Promise<boolean> {
    const sets: RawBuilder<unknown>[] = [];
    const set = (column: string, value: unknown) => sets.push(sql`${sql.ref(column)} = ${value}`);
    if (change.name !== undefined) set('name', change.name);
    if (change.scopes !== undefined) sets.push(sql`scopes = ${[...change.scopes]}::text[]`);
    if (change.disabled !== undefined) set('disabled', change.disabled);
    if (change.secretHash !== undefined) set('secret_hash', change.secretHash);
    if (change.previousSecretHash !== undefined)
      set('previous_secret_hash', change.previousSecretHash);
    if (change.previousValidUntil !== undefined)
      set('previous_valid_until', change.previousValidUntil);
    if (change.signingSecret !== undefined) set('signing_secret', change.signingSecret);
    if (change.previousSigningSecret !== undefined)
      set('previous_signing_secret', change.previousSigningSecret);
    if (change.rotatedAt !== undefined) set('rotated_at', change.rotatedAt);
    if (change.rotationDueAt !== undefined) set('rotation_due_at', change.rotationDueAt);
    if (sets.length === 0) sets.push(sql`id = id`);
    const rows = await this.#query(sql`
      update ${this.#keys} set ${sql.join(sets)}
      where id = ${ref.id} and owner_id = ${ref.ownerId} and revoked_at is null
        and (${ifSecretHash ?? null}::text is null or secret_hash = ${ifSecretHash ?? null})
      returning id`);
    return rows.length === 1;
  }

  async revoke(ref: ApiKeyRef, at: number): Promise<boolean> {
    const rows = await this.#query(sql`
      update ${this.#keys} set revoked_at = ${at}
      where id = ${ref.id} and owner_id = ${ref.ownerId} and revoked_at is null returning id`);
    return rows.length === 1;
  }

  async revokeAllForUser(ownerId: string, at: number): Promise<number> {
    const rows = await this.#query(sql`
      update ${this.#keys} set revoked_at = ${at}
      where owner_id = ${ownerId} and revoked_at is null returning id`);
    return rows.length;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.#query(sql`
      update ${this.#keys} set last_used_at = ${at}
      where id = ${id} and (last_used_at is null or last_used_at < ${at})`);
  }

  async listDueForRotation(dueBy: number, limit: number): Promise<readonly ApiKeyRecord[]> {
    const rows = await this.#query<KeyRow>(sql`
      select * from ${this.#keys}
      where revoked_at is null and rotation_due_at <= ${dueBy}
      order by rotation_due_at, id limit ${limit}`);
    return rows.map(toRecord);
  }

  async purgeUser(ownerId: string): Promise<void> {
    await this.#query(sql`delete from ${this.#keys} where owner_id = ${ownerId}`);
  }

  async #query<Row>(query: RawBuilder<unknown>): Promise<Row[]> {
    const result = await this.#deadline.run(() => query.execute(this.#db));
    return result.rows as Row[];
  }
}
