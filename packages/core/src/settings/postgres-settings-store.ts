import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import type { PostgresMigration, PostgresMigrations } from '../postgres/migrate.js';
import { postgresStoreDeadline, postgresStoreOptionsShape } from '../postgres/store-options.js';
import { createStoreDeadline, type StoreDeadline } from '../stores/store-deadline.js';
import {
  assertSettingsArguments,
  type SettingsStore,
  type StoredSettings,
} from './settings-store.js';

/** The table of {@link PostgresSettingsStore}. */
export const SETTINGS_TABLE = 'rampart_core_settings';

/** Options of {@link PostgresSettingsStore}. */
export interface PostgresSettingsStoreOptions {
  /** The application's Kysely instance on Postgres. Rampart neither creates nor destroys it. */
  // biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our table
  db: Kysely<any>;
  /** The schema `migrate()` created `rampart_core_settings` in; default `public`. */
  schema?: string;
  /** How long a statement may wait before `StoreUnavailableError`; default 2000. */
  queryTimeoutMs?: number;
}

const optionsSchema = z.strictObject(postgresStoreOptionsShape({ queryTimeoutMs: 2000 })).transform(
  // Settings rows never expire: nothing to purge, the shared option is accepted and unused.
  ({ purgeIntervalMs: _unused, ...rest }) => rest,
);

/**
 * The migrations of {@link PostgresSettingsStore}, for `migrate()`: table `rampart_core_settings`
 * (`name text primary key`, `version bigint`, `data text`).
 */
export const settingsStoreMigrations: PostgresMigrations = Object.freeze({
  name: 'core_settings',
  migrations: Object.freeze([
    Object.freeze<PostgresMigration>({
      name: '0001_create_settings',
      async up(db, { schema }) {
        await db.schema
          .withSchema(schema)
          .createTable(SETTINGS_TABLE)
          .addColumn('name', 'text', (column) => column.primaryKey())
          .addColumn('version', 'bigint', (column) => column.notNull())
          .addColumn('data', 'text', (column) => column.notNull())
          .execute();
      },
      async down(db, { schema }) {
        await db.schema.withSchema(schema).dropTable(SETTINGS_TABLE).execute();
      },
    }),
  ]),
});

function toStored(result: QueryResult<unknown>): StoredSettings {
  const row = result.rows[0] as { version: string | number; data: string | null } | undefined;
  if (row === undefined) return { version: 0 };
  const version = Number(row.version);
  return row.data === null ? { version } : { version, data: row.data };
}

function toVersion(result: QueryResult<unknown>): number | null {
  const row = result.rows[0] as { version: string | number } | undefined;
  return row === undefined ? null : Number(row.version);
}

/**
 * Settings documents on Postgres (run `migrate(db, [settingsStoreMigrations])` first). A read is
 * one statement sending the document only when its version differs from the caller's; a write
 * is one conditional statement (an insert for the first version, else an update `where version =
 * expected`), so of racing writers exactly one wins. Statements are compiled once.
 *
 * @example
 * await migrate(db, [settingsStoreMigrations]);
 * const settings = await createSecuritySettings({ store: new PostgresSettingsStore({ db }) });
 */
export class PostgresSettingsStore implements SettingsStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresSettingsStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #deadline: StoreDeadline;
  readonly #readSql: string;
  readonly #insertSql: string;
  readonly #updateSql: string;

  constructor(options: PostgresSettingsStoreOptions) {
    const parsed = parseOptions('PostgresSettingsStore', optionsSchema, options);
    this.#db = parsed.db;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: 'postgres-settings-store',
        owner: 'PostgresSettingsStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    // The schema passed postgresIdentifierSchema (lower-case letters, digits, _): quoting is exact.
    const table = `"${parsed.schema}".${SETTINGS_TABLE}`;
    this.#readSql = `select version, case when version <> $2 then data end as data from ${table} where name = $1`;
    this.#insertSql = `insert into ${table} (name, version, data) values ($1, 1, $2) on conflict (name) do nothing returning version`;
    this.#updateSql = `update ${table} set version = version + 1, data = $3 where name = $1 and version = $2 returning version`;
  }

  /** See {@link SettingsStore.read}. */
  read(name: string, knownVersion: number): Promise<StoredSettings> {
    try {
      assertSettingsArguments(name, knownVersion);
    } catch (error) {
      return Promise.reject(error);
    }
    const query = CompiledQuery.raw(this.#readSql, [name, knownVersion]);
    return this.#deadline.run(() => this.#db.executeQuery(query), toStored);
  }

  /** See {@link SettingsStore.compareAndSet}. */
  compareAndSet(name: string, expectedVersion: number, data: string): Promise<number | null> {
    try {
      assertSettingsArguments(name, expectedVersion, data);
    } catch (error) {
      return Promise.reject(error);
    }
    const query =
      expectedVersion === 0
        ? CompiledQuery.raw(this.#insertSql, [name, data])
        : CompiledQuery.raw(this.#updateSql, [name, expectedVersion, data]);
    return this.#deadline.run(() => this.#db.executeQuery(query), toVersion);
  }
}
