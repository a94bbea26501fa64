import { sql } from 'kysely';
import { EXAMPLE_TABLES } from '../stores/example-migrations.js';
import { PostgresTable, type PostgresTableOptions } from '../stores/postgres-table.js';
import { emailTakenError, normalizeEmail, type User, type UserStore } from './user-store.js';

export type PostgresUserStoreOptions = PostgresTableOptions;

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: string;
  locked: boolean;
  created_at: string;
}

const STORE = 'postgres-user-store';

function toUser(row: UserRow | undefined): User | undefined {
  if (row === undefined) return undefined;
  return Object.freeze({
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    locked: row.locked,
    // bigint arrives as text; epoch ms fit a double exactly.
    createdAt: Number(row.created_at),
  });
}

/** Users in `rampart_example_users`; every method is one parameterised statement. */
export class PostgresUserStore implements UserStore {
  readonly #table: PostgresTable;

  constructor(options: PostgresUserStoreOptions) {
    this.#table = new PostgresTable(options, EXAMPLE_TABLES.users, STORE);
  }

  async create(user: User): Promise<void> {
    // The unique index decides, in the same statement: no window between a check and the insert.
    const rows = await this.#table.query(sql<{ id: string }>`
      insert into ${this.#table.name} (id, email, password_hash, role, locked, created_at)
      values (${user.id}, ${normalizeEmail(user.email)}, ${user.passwordHash}, ${user.role},
        ${user.locked}, ${user.createdAt})
      on conflict (email) do nothing
      returning id`);
    if (rows.length === 0) throw emailTakenError();
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const rows = await this.#table.query(
      sql<UserRow>`select * from ${this.#table.name} where email = ${normalizeEmail(email)}`,
    );
    return toUser(rows[0]);
  }

  async findById(id: string): Promise<User | undefined> {
    const rows = await this.#table.query(
      sql<UserRow>`select * from ${this.#table.name} where id = ${id}`,
    );
    return toUser(rows[0]);
  }

  async list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor?: string }> {
    // One more than asked: whether a next page exists, in the same statement.
    const rows = await this.#table.query(sql<UserRow>`
      select * from ${this.#table.name}
      where ${cursor === undefined ? sql`true` : sql`id > ${cursor}`}
      order by id limit ${limit + 1}`);
    const items = rows.slice(0, limit).map((row) => toUser(row) as User);
    const last = items.at(-1);
    return rows.length > limit && last !== undefined ? { items, nextCursor: last.id } : { items };
  }

  async setRole(id: string, role: string): Promise<User | undefined> {
    const rows = await this.#table.query(
      sql<UserRow>`update ${this.#table.name} set role = ${role} where id = ${id} returning *`,
    );
    return toUser(rows[0]);
  }

  async setPasswordHash(id: string, passwordHash: string, expected: string): Promise<boolean> {
    const rows = await this.#table.query(
      sql<{
        id: string;
      }>`update ${this.#table.name} set password_hash = ${passwordHash} where id = ${id} and password_hash = ${expected} returning id`,
    );
    return rows.length === 1;
  }

  async purgeUser(id: string): Promise<void> {
    await this.#table.query(sql`delete from ${this.#table.name} where id = ${id}`);
  }
}
