import { type AuditStore, MemoryAuditStore } from '@rampart/audit';
import { PostgresAuditStore } from '@rampart/audit/postgres';
import type { Cluster, Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import {
  type AccountLockStore,
  memoryAccountLocks,
  postgresAccountLocks,
  redisAccountLocks,
} from './account-locks.js';

/** Where the audit trail and the account locks live, on the app's backend. */
export interface AuditStores {
  readonly trail: AuditStore;
  readonly locks: AccountLockStore;
}

/** `--store memory`: both in this process, the trail bounded at `maxRecords` (`AUDIT_MEMORY_RECORDS`). */
export function memoryAuditStores(maxRecords: number): AuditStores {
  return { trail: new MemoryAuditStore({ maxRecords }), locks: memoryAccountLocks() };
}

/**
 * `--store redis`: the locks on Redis (shared by every instance); the trail in memory with its
 * JSON-lines copy in `AUDIT_LOG_FILE`. Rampart ships no Redis trail on purpose: an audit trail is
 * append-only history queried by user, type and time, and Redis acknowledges writes before they
 * are on disk (AOF `everysec`, RDB snapshots), so the last second of records could vanish in a
 * crash: the opposite of the durable commits the trail promises. Apps on Redis keep the trail in
 * Postgres, or in a file as here. The in-memory window (`AUDIT_MEMORY_RECORDS`) serves the admin
 * queries and `verify()` of what this process recorded.
 */
export function redisAuditStores(
  redis: Redis | Cluster,
  prefix: string,
  maxRecords: number,
): AuditStores {
  return {
    trail: new MemoryAuditStore({ maxRecords }),
    locks: redisAccountLocks(redis, prefix),
  };
}

/** `--store postgres`: both on Postgres (run `auditMigrations` and `accountLockMigrations`). */
// biome-ignore lint/suspicious/noExplicitAny: the app's Kysely is untyped
export function postgresAuditStores(db: Kysely<any>, schema: string): AuditStores {
  return { trail: new PostgresAuditStore({ db, schema }), locks: postgresAccountLocks(db, schema) };
}
