import { withTimeout } from '@rampart/core/postgres';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { EXAMPLE_TABLES } from '../stores/example-migrations.js';
import { emailTakenError, normalizeEmail, type User, type UserStore } from './user-store.js';

export interface PostgresUserStoreOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the app's Kysely is untyped, as the packages' stores take it.
  readonly db: Kysely<any>;
  /** The schema `migrate()` created `rampart_example_users` in. */
  readonly schema: string;
  /** How long one statement may take before it fails with a 503; default 2000. */
  readonly timeoutMs?: number;
}

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
  // biome-ignore lint/suspicious/noExplicitAny: see PostgresUserStoreOptions.db
  readonly #db: Kysely<any>;
  readonly #table: RawBuilder<unknown>;
  readonly #timeoutMs: number;

  constructor(options: PostgresUserStoreOptions) {
    this.#db = options.db;
    this.#table = sql.id(options.schema, EXAMPLE_TABLES.users);
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  #query<R>(query: RawBuilder<R>): Promise<R[]> {
    return withTimeout(() => query.execute(this.#db), {
      store: STORE,
      timeoutMs: this.#timeoutMs,
    }).then((result) => result.rows);
  }

  async create(user: User): Promise<void> {
    // The unique index decides, in the same statement: no window between a check and the insert.
    const rows = await this.#query(sql<{ id: string }>`
      insert into ${this.#table} (id, email, password_hash, role, locked, created_at)
      values (${user.id}, ${normalizeEmail(user.email)}, ${user.passwordHash}, ${user.role},
        ${user.locked}, ${user.createdAt})
      on conflict (email) do nothing
      returning id`);
    if (rows.length === 0) throw emailTakenError();
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const rows = await this.#query(
      sql<UserRow>`select * from ${this.#table} where email = ${normalizeEmail(email)}`,
    );
    return toUser(rows[0]);
  }

  async findById(id: string): Promise<User | undefined> {
    const rows = await this.#query(sql<UserRow>`select * from ${this.#table} where id = ${id}`);
    return toUser(rows[0]);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.#query(
      sql`update ${this.#table} set password_hash = ${passwordHash} where id = ${id}`,
    );
  }

  async purge(id: string): Promise<void> {
    await this.#query(sql`delete from ${this.#table} where id = ${id}`);
  }
}
