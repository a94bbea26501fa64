import { migrate } from '@rampart/core/postgres';
import { isolatedPostgresSchema } from '@rampart/test-utils';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AUDIT_TABLES, auditMigrations, PostgresAuditStore } from '../src/postgres.js';
import { hasPostgres } from './helpers/trail.js';

describe.runIf(hasPostgres)('PostgresAuditStore, a first user key racing another', () => {
  it('answers the other key when it commits while this statement waits on it', async () => {
    const pg = await isolatedPostgresSchema({ max: 3 });
    try {
      await migrate(pg.db, [auditMigrations], { schema: pg.schema });
      const store = new PostgresAuditStore({ db: pg.db, schema: pg.schema });
      const table = sql.id(pg.schema, AUDIT_TABLES.userKeys);
      let ensuring: ReturnType<typeof store.ensureUserKeys> | undefined;
      await pg.db.transaction().execute(async (trx) => {
        await sql`insert into ${table} (user_ref, subject, sealed_key, created_at)
          values ('ref-1', 'subject-first', 'key-first', 1000)`.execute(trx);
        // This statement takes its snapshot now, then waits on the uncommitted row.
        ensuring = store.ensureUserKeys([
          { userRef: 'ref-1', subject: 'subject-second', sealedKey: 'key-second' },
          { userRef: 'ref-2', subject: 'subject-other', sealedKey: 'key-other' },
        ]);
        ensuring.catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      const answered = await ensuring;
      expect(answered?.slice().sort((a, b) => a.userRef.localeCompare(b.userRef))).toEqual([
        { userRef: 'ref-1', subject: 'subject-first', sealedKey: 'key-first' },
        { userRef: 'ref-2', subject: 'subject-other', sealedKey: 'key-other' },
      ]);
    } finally {
      await pg.cleanup();
    }
  });
});
