import type { UserDataPurger } from '@rampart/core';
import type { PostgresMigrations } from '@rampart/core/postgres';
import type { Cluster, Redis } from 'ioredis';
import { type Kysely, type RawBuilder, sql } from 'kysely';

/**
 * Locked accounts (EXAMPLE-API.md, "Admin": lock/unlock, and the automated response): a lock
 * until a time, or until an admin unlocks (`until: null`). Login refuses a locked user.
 */
export interface AccountLockStore extends UserDataPurger {
  lock(userId: string, until: number | null): Promise<void>;
  unlock(userId: string): Promise<void>;
  /** Whether `userId` is locked at `now` (epoch ms). */
  isLocked(userId: string, now: number): Promise<boolean>;
}

/** In this process. */
export function memoryAccountLocks(): AccountLockStore {
  const locks = new Map<string, number | null>();
  return {
    async lock(userId, until) {
      locks.set(userId, until);
    },
    async unlock(userId) {
      locks.delete(userId);
    },
    async isLocked(userId, now) {
      if (!locks.has(userId)) return false;
      const until = locks.get(userId);
      return until === null || (until !== undefined && until > now);
    },
    async purgeUser(userId) {
      locks.delete(userId);
    },
  };
}

/** On Redis: one key per locked user, expiring with a timed lock (`PXAT`). */
export function redisAccountLocks(redis: Redis | Cluster, prefix: string): AccountLockStore {
  const key = (userId: string) => `${prefix}audit:lock:${userId}`;
  return {
    async lock(userId, until) {
      if (until === null) await redis.set(key(userId), 'until-unlocked');
      else await redis.set(key(userId), String(until), 'PXAT', until);
    },
    async unlock(userId) {
      await redis.del(key(userId));
    },
    async isLocked(userId) {
      // A timed lock's key expires with it: its presence is the answer.
      return (await redis.exists(key(userId))) === 1;
    },
    async purgeUser(userId) {
      await redis.del(key(userId));
    },
  };
}

const LOCKS_TABLE = 'rampart_example_account_locks';

/** The lock table's migration (`migrate(db, [..., accountLockMigrations])`). */
export const accountLockMigrations: PostgresMigrations = {
  name: 'example_account_locks',
  migrations: [
    {
      name: '0001_create_account_locks',
      async up(db, { schema }) {
        await sql`create table ${sql.id(schema, LOCKS_TABLE)} (
          user_id text primary key,
          until bigint
        )`.execute(db);
      },
    },
  ],
};

/** On Postgres: one row per locked user; `until` null is a lock until unlocked. */
// biome-ignore lint/suspicious/noExplicitAny: the app's Kysely is untyped
export function postgresAccountLocks(db: Kysely<any>, schema: string): AccountLockStore {
  const table: RawBuilder<unknown> = sql.id(schema, LOCKS_TABLE);
  return {
    async lock(userId, until) {
      await sql`insert into ${table} (user_id, until) values (${userId}, ${until})
        on conflict (user_id) do update set until = excluded.until`.execute(db);
    },
    async unlock(userId) {
      await sql`delete from ${table} where user_id = ${userId}`.execute(db);
    },
    async isLocked(userId, now) {
      const { rows } = await sql<{ locked: boolean }>`
        select exists (select 1 from ${table} where user_id = ${userId}
          and (until is null or until > ${now})) as locked`.execute(db);
      return rows[0]?.locked === true;
    },
    async purgeUser(userId) {
      await sql`delete from ${table} where user_id = ${userId}`.execute(db);
    },
  };
}
