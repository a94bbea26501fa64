import { sql } from 'kysely';
import { EXAMPLE_TABLES } from '../stores/example-migrations.js';
import { PostgresTable, type PostgresTableOptions } from '../stores/postgres-table.js';
import type { EntityRecord, RecordStore } from './record-store.js';

export type PostgresRecordStoreOptions = PostgresTableOptions;

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
  readonly #table: PostgresTable;

  constructor(options: PostgresRecordStoreOptions) {
    this.#table = new PostgresTable(options, EXAMPLE_TABLES.records, STORE);
  }

  async add(record: EntityRecord): Promise<void> {
    await this.#table.query(sql`
      insert into ${this.#table.name} (id, entity_id, data, created_by, created_at)
      values (${record.id}, ${record.entityId}, ${JSON.stringify(record.data)}::jsonb,
        ${record.createdBy}, ${record.createdAt})`);
  }

  async purgeUser(userId: string): Promise<void> {
    await this.#table.query(sql`delete from ${this.#table.name} where created_by = ${userId}`);
  }

  async list(entityId: string, limit: number): Promise<EntityRecord[]> {
    const rows = await this.#table.query(sql<RecordRow>`
      select id, entity_id, data, created_by, created_at from ${this.#table.name}
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
