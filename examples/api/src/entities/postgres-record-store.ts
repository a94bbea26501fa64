import { withTimeout } from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { EXAMPLE_TABLES } from '../stores/example-migrations.js';
import type { EntityRecord, RecordStore } from './record-store.js';

export interface PostgresRecordStoreOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the app's Kysely is untyped, as the packages' stores take it.
  readonly db: Kysely<any>;
  readonly schema: string;
  /** How long one statement may take before it fails with a 503; default 2000. */
  readonly timeoutMs?: number;
}

interface RecordRow {
  id: string;
  entity_id: string;
  data: Record<string, unknown>;
  created_by: string;
  created_at: string;
}

const STORE = 'postgres-record-store';

/** Records in `rampart_example_records`, `data` as jsonb. */
export class PostgresRecordStore implements RecordStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresRecordStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #table: RawBuilder<unknown>;
  readonly #timeoutMs: number;

  constructor(options: PostgresRecordStoreOptions) {
    this.#db = options.db;
    this.#table = sql.id(options.schema, EXAMPLE_TABLES.records);
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  #query<R>(query: RawBuilder<R>): Promise<R[]> {
    return withTimeout(() => query.execute(this.#db), {
      store: STORE,
      timeoutMs: this.#timeoutMs,
    }).then((result) => result.rows);
  }

  async add(record: EntityRecord): Promise<void> {
    await this.#query(sql`
      insert into ${this.#table} (id, entity_id, data, created_by, created_at)
      values (${record.id}, ${record.entityId}, ${JSON.stringify(record.data)}::jsonb,
        ${record.createdBy}, ${record.createdAt})`);
  }

  async list(entityId: string, limit: number): Promise<EntityRecord[]> {
    const rows = await this.#query(sql<RecordRow>`
      select id, entity_id, data, created_by, created_at from ${this.#table}
      where entity_id = ${entityId} order by seq desc limit ${limit}`);
    return rows.reverse().map((row) => ({
      id: row.id,
      entityId: row.entity_id,
      data: row.data,
      createdBy: row.created_by,
      createdAt: Number(row.created_at),
    }));
  }
}
