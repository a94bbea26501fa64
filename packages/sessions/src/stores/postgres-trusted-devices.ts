import { parseOptions } from '@rampart/core';
import {
  createStoreDeadline,
  postgresStoreDeadline,
  type StoreDeadline,
} from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { TrustedDeviceRecord, TrustedDeviceStore } from '../trusted-device-store.js';
import { type PostgresSessionStoreOptions, postgresOptionsSchema } from './postgres.js';
import { SESSIONS_TABLES } from './postgres-migrations.js';

/** Options of {@link PostgresTrustedDeviceStore}: those of `PostgresSessionStore`. */
export type PostgresTrustedDeviceStoreOptions = Omit<
  PostgresSessionStoreOptions,
  'purgeIntervalMs' | 'clock'
>;

interface DeviceRow {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  user_agent: string;
}

function toRecord(row: DeviceRow): TrustedDeviceRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    userAgent: row.user_agent,
  };
}

/**
 * A `TrustedDeviceStore` on Postgres, in `rampart_sessions_devices` (run
 * `migrate(db, [sessionsMigrations])` first). A verification is one statement that matches the
 * device id (the token's SHA-256) and the user; adding one locks the user's row, as a sign-in does.
 */
export class PostgresTrustedDeviceStore implements TrustedDeviceStore {
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresSessionStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #deadline: StoreDeadline;
  readonly #devices: RawBuilder<unknown>;
  readonly #users: RawBuilder<unknown>;

  constructor(options: PostgresTrustedDeviceStoreOptions) {
    const parsed = parseOptions('PostgresTrustedDeviceStore', postgresOptionsSchema, options);
    this.#db = parsed.db;
    this.#deadline = createStoreDeadline(
      postgresStoreDeadline({
        store: 'postgres-trusted-device-store',
        owner: 'PostgresTrustedDeviceStore',
        schema: parsed.schema,
        queryTimeoutMs: parsed.queryTimeoutMs,
      }),
    );
    this.#devices = sql.id(parsed.schema, SESSIONS_TABLES.devices);
    this.#users = sql.id(parsed.schema, SESSIONS_TABLES.users);
  }

  async add(record: TrustedDeviceRecord, maxPerUser: number, now: number): Promise<void> {
    const devices = this.#devices;
    const { userId } = record;
    await this.#deadline.run(() =>
      this.#db.transaction().execute(async (trx) => {
        await sql`insert into ${this.#users} (user_id) values (${userId})
          on conflict (user_id) do update set user_id = excluded.user_id`.execute(trx);
        await sql`delete from ${devices} where user_id = ${userId} and expires_at <= ${now}`.execute(
          trx,
        );
        await sql`delete from ${devices} where id in (
            select id from ${devices} where user_id = ${userId}
            order by created_at desc offset ${maxPerUser - 1})`.execute(trx);
        await sql`insert into ${devices} (id, user_id, created_at, expires_at, user_agent)
          values (${record.id}, ${userId}, ${record.createdAt}, ${record.expiresAt},
            ${record.userAgent})`.execute(trx);
      }),
    );
  }

  async find(userId: string, id: string, now: number): Promise<TrustedDeviceRecord | undefined> {
    const [row] = await this.#query<DeviceRow>(sql`
      select * from ${this.#devices} where id = ${id} and user_id = ${userId} and expires_at > ${now}`);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(userId: string, now: number): Promise<TrustedDeviceRecord[]> {
    const rows = await this.#query<DeviceRow>(sql`
      select * from ${this.#devices} where user_id = ${userId} and expires_at > ${now}`);
    return rows.map(toRecord);
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const rows = await this.#query(
      sql`delete from ${this.#devices} where id = ${id} and user_id = ${userId} returning 1`,
    );
    return rows.length === 1;
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.#query(sql`delete from ${this.#devices} where user_id = ${userId}`);
  }

  async purgeUser(userId: string): Promise<void> {
    await this.revokeAllForUser(userId);
  }

  async #query<Row>(query: RawBuilder<unknown>): Promise<Row[]> {
    const result = await this.#deadline.run(() => query.execute(this.#db));
    return result.rows as Row[];
  }
}
