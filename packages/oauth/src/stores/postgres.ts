import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  postgresStoreDeadline,
  postgresStoreOptionsShape,
  type StoreDeadline,
} from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { OAuthLink, OAuthLinkStore } from '../store.js';
import { OAUTH_LINKS_TABLE } from './postgres-migrations.js';

/** Options of {@link PostgresOAuthLinkStore}. */
export interface PostgresOAuthLinkStoreOptions {
  /** The application's Kysely instance on Postgres; Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our tables
  db: Kysely<any>;
  /** The schema `migrate(db, [oauthMigrations])` created the table in; default `public`. */
  schema?: string;
  /** How long one statement may take before it fails with `StoreUnavailableError`; default 2000. */
  queryTimeoutMs?: number;
}

const optionsSchema = z.strictObject(postgresStoreOptionsShape({ queryTimeoutMs: 2000 }));

interface LinkRow {
  provider: string;
  subject: string;
  user_id: string;
  linked_at: string;
}

/**
 * Links in Postgres, one row per `(provider, subject)` (the primary key). `link` is one
 * `INSERT … ON CONFLICT DO NOTHING` that returns the row's owner either way, so two concurrent
 * first sign-ins make one link.
 */
export class PostgresOAuthLinkStore implements OAuthLinkStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresOAuthLinkStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #deadline: StoreDeadline;
  readonly #table: RawBuilder<unknown>;

  constructor(options: PostgresOAuthLinkStoreOptions) {
    const parsed = parseOptions('PostgresOAuthLinkStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: 'postgres-oauth-link-store',
        owner: 'PostgresOAuthLinkStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#table = sql.id(parsed.schema, OAUTH_LINKS_TABLE);
  }

  async #query<Row>(query: RawBuilder<unknown>): Promise<Row[]> {
    return this.#deadline.run(
      () => query.execute(this.#db),
      (result) => result.rows as Row[],
    );
  }

  async link(provider: string, subject: string, userId: string, at: number): Promise<string> {
    // The CTE inserts or not; the union reads the owner either way, in one statement.
    const [row] = await this.#query<{ user_id: string }>(sql`
      with inserted as (
        insert into ${this.#table} (provider, subject, user_id, linked_at)
        values (${provider}, ${subject}, ${userId}, ${Math.floor(at)})
        on conflict (provider, subject) do nothing
        returning user_id)
      select user_id from inserted
      union all
      select user_id from ${this.#table} where provider = ${provider} and subject = ${subject}
      limit 1`);
    if (row !== undefined) return row.user_id;
    // No row: another first link of the pair committed after this statement's snapshot was taken
    // (the insert waited on it, then did nothing, and the union's read cannot see it). A new
    // statement sees it.
    const owner = await this.find(provider, subject);
    if (owner === undefined) throw new Error('PostgresOAuthLinkStore: no row after link');
    return owner;
  }

  async find(provider: string, subject: string): Promise<string | undefined> {
    const [row] = await this.#query<{ user_id: string }>(sql`
      select user_id from ${this.#table} where provider = ${provider} and subject = ${subject}`);
    return row?.user_id;
  }

  async listByUser(userId: string): Promise<OAuthLink[]> {
    const rows = await this.#query<LinkRow>(sql`
      select provider, subject, user_id, linked_at from ${this.#table}
      where user_id = ${userId} order by linked_at, provider`);
    return rows.map((row) => ({
      provider: row.provider,
      subject: row.subject,
      userId: row.user_id,
      linkedAt: Number(row.linked_at),
    }));
  }

  async unlink(userId: string, provider: string): Promise<boolean> {
    const rows = await this.#query<{ subject: string }>(sql`
      delete from ${this.#table} where user_id = ${userId} and provider = ${provider} returning subject`);
    return rows.length > 0;
  }

  async purgeUser(userId: string): Promise<void> {
    await this.#query(sql`delete from ${this.#table} where user_id = ${userId}`);
  }
}
