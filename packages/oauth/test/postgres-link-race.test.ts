import { migrate } from '@rampart/core/postgres';
import { isolatedPostgresSchema, serviceAvailable } from '@rampart/test-utils';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { OAUTH_LINKS_TABLE, oauthMigrations, PostgresOAuthLinkStore } from '../src/postgres.js';

const hasPostgres = await serviceAvailable('postgres');

describe.runIf(hasPostgres)('PostgresOAuthLinkStore, a first link racing another', () => {
  it("answers the other link's owner when it commits while this link's statement waits on it", async () => {
    const pg = await isolatedPostgresSchema({ max: 3 });
    try {
      await migrate(pg.db, [oauthMigrations], { schema: pg.schema });
      const store = new PostgresOAuthLinkStore({ db: pg.db, schema: pg.schema });
      const table = sql.id(pg.schema, OAUTH_LINKS_TABLE);
      let linking: Promise<string> | undefined;
      await pg.db.transaction().execute(async (trx) => {
        await sql`insert into ${table} (provider, subject, user_id, linked_at)
          values ('github', 'sub-1', 'ada', 1000)`.execute(trx);
        // This link's statement takes its snapshot now, then waits on the uncommitted row.
        linking = store.link('github', 'sub-1', 'eve', 1000);
        linking.catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      expect(await linking).toBe('ada');
      expect(await store.find('github', 'sub-1')).toBe('ada');
    } finally {
      await pg.cleanup();
    }
  });
});
