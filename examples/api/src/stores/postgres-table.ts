import { withTimeout } from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';

/** Where an example-app table lives and how long one statement on it may take. */
export interface PostgresTableOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the app's Kysely is untyped, as the packages' stores take it.
  readonly db: Kysely<any>;
  /** The schema `migrate()` created the example tables in. */
  readonly schema: string;
  /** How long one statement may take before it fails with a 503; default 2000. */
  readonly timeoutMs?: number;
}

/**
 * One table of the example app: its quoted name for `sql` templates, and `query()`, which runs
 * a parameterised statement within the timeout (a `StoreUnavailableError` naming `store`
 * otherwise) and answers its rows. The user and record stores are built on it.
 */
export class PostgresTable {
  /** `"schema"."table"`, safe to interpolate in a `sql` template. */
  readonly name: RawBuilder<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresTableOptions.db
  readonly #db: Kysely<any>;
  readonly #store: string;
  readonly #timeoutMs: number;

  constructor(options: PostgresTableOptions, table: string, store: string) {
    this.#db = options.db;
    this.name = sql.id(options.schema, table);
    this.#store = store;
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  query<R>(query: RawBuilder<R>): Promise<R[]> {
    return withTimeout(() => query.execute(this.#db), {
      store: this.#store,
      timeoutMs: this.#timeoutMs,
    }).then((result) => result.rows);
  }
}
