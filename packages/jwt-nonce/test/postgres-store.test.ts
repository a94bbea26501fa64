import { migrate } from '@rampart/core/postgres';
import {
  type IsolatedPostgresSchema,
  isolatedPostgresSchema,
  warningsWithCode,
} from '@rampart/test-utils';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createJwtNonce } from '../src/index.js';
import { jwtNonceMigrations, PostgresJwtNonceStore } from '../src/postgres.js';
import { AUDIENCE, ISSUER } from './helpers/attacks.js';
import { makeTestRing } from './helpers/forge.js';
import { hasPostgres } from './helpers/stores.js';

/** Issuing three times on `pg`'s schema: each a 503, and one warning that names the schema. */
async function expectNotMigrated(pg: IsolatedPostgresSchema): Promise<void> {
  const store = new PostgresJwtNonceStore({ db: pg.db, schema: pg.schema, purgeIntervalMs: 0 });
  const keys = [makeTestRing().hs];
  const tokens = createJwtNonce({ issuer: ISSUER, audience: AUDIENCE, keys, store });
  const warnings = await warningsWithCode('RAMPART_POSTGRES_NOT_MIGRATED', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(tokens.issue('alice')).rejects.toMatchObject({ status: 503 });
    }
  });
  expect(warnings).toHaveLength(1);
  expect(warnings[0]?.message).toContain(pg.schema);
}

/** Runs only the first `count` of the package's migrations on `pg`'s schema: an older install. */
async function migrateFirst(pg: IsolatedPostgresSchema, count: number): Promise<void> {
  const migrations = jwtNonceMigrations.migrations.slice(0, count) as never;
  await migrate(pg.db, [{ name: 'jwt_nonce', migrations }], { schema: pg.schema });
}

describe.skipIf(!hasPostgres)('PostgresJwtNonceStore on a real Postgres', () => {
  it('on a schema migrate() never ran on: a 503, and one warning that says to run it', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await expectNotMigrated(pg);
    } finally {
      await pg.cleanup();
    }
  });

  it('upgraded without running migrate() again (no family column): a 503 and the same warning', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrateFirst(pg, 1);
      await expectNotMigrated(pg);
    } finally {
      await pg.cleanup();
    }
  });

  it('upgraded without running migrate() again (no kind column): a 503 and the same warning', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrateFirst(pg, 2);
      await expectNotMigrated(pg);
    } finally {
      await pg.cleanup();
    }
  });

  it('verifies with one statement per token, refreshes with two', async () => {
    const pg = await isolatedPostgresSchema({ max: 4 });
    try {
      await migrate(pg.db, [jwtNonceMigrations], { schema: pg.schema });
      const statements: string[] = [];
      const db = new Kysely<unknown>({
        dialect: new PostgresDialect({ pool: pg.pool }),
        log: (event) => {
          if (event.level === 'query')
            statements.push(event.query.sql.trim().split(/\s+/)[0] as string);
        },
      });
      const tokens = createJwtNonce({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: [makeTestRing().hs],
        store: new PostgresJwtNonceStore({ db, schema: pg.schema, purgeIntervalMs: 0 }),
      });
      const pair = await tokens.issue('alice');
      statements.length = 0;
      for (let i = 0; i < 20; i++) await tokens.verifyAccessToken(pair.accessToken);
      expect(statements).toEqual(Array.from({ length: 20 }, () => 'select'));
      statements.length = 0;
      await tokens.refresh(pair.refreshToken);
      expect(statements).toEqual(['with', 'insert']);
    } finally {
      await pg.cleanup();
    }
  });

  it('refuses a token recorded before tokens were bound to a family (migration 0002), in any family', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrateFirst(pg, 1);
      const now = Date.now();
      await sql`
        insert into ${sql.id(pg.schema, 'rampart_jwt_nonce_tokens')}
          (iss, jti, sub, status, issued_at, expires_at)
        values ('i', 'old', 's', 'a', ${now}, ${now + 60_000})`.execute(pg.db);
      const { executed } = await migrate(pg.db, [jwtNonceMigrations], { schema: pg.schema });
      expect(executed).toEqual([
        'jwt_nonce/0002_bind_tokens_to_family',
        'jwt_nonce/0003_bind_tokens_to_kind',
      ]);
      const store = new PostgresJwtNonceStore({ db: pg.db, schema: pg.schema, purgeIntervalMs: 0 });
      const ref = {
        iss: 'i',
        jti: 'old',
        sub: 's',
        family: 'f',
        kind: 'refresh' as const,
        expiresAt: now + 60_000,
      };
      expect(await store.lookup(ref)).toMatchObject({ status: 'mismatched', issuedAt: undefined });
      expect((await store.spend(ref, true)).outcome).toBe('mismatched');
      expect((await store.spend(ref, false)).outcome).toBe('mismatched');
    } finally {
      await pg.cleanup();
    }
  });

  it('refuses a token recorded before tokens were bound to a kind (migration 0003), as either kind', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrateFirst(pg, 2);
      const now = Date.now();
      await sql`
        insert into ${sql.id(pg.schema, 'rampart_jwt_nonce_tokens')}
          (iss, jti, sub, family, status, issued_at, expires_at)
        values ('i', 'old', 's', 'f', 'a', ${now}, ${now + 60_000})`.execute(pg.db);
      const { executed } = await migrate(pg.db, [jwtNonceMigrations], { schema: pg.schema });
      expect(executed).toEqual(['jwt_nonce/0003_bind_tokens_to_kind']);
      const store = new PostgresJwtNonceStore({ db: pg.db, schema: pg.schema, purgeIntervalMs: 0 });
      const ref = { iss: 'i', jti: 'old', sub: 's', family: 'f', expiresAt: now + 60_000 };
      for (const kind of ['access', 'refresh'] as const) {
        expect(await store.lookup({ ...ref, kind }), kind).toMatchObject({
          status: 'mismatched',
          issuedAt: undefined,
        });
        expect((await store.spend({ ...ref, kind }, true)).outcome, kind).toBe('mismatched');
        expect((await store.spend({ ...ref, kind }, false)).outcome, kind).toBe('mismatched');
      }
    } finally {
      await pg.cleanup();
    }
  });

  it('purges expired rows and keeps live ones', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(pg.db, [jwtNonceMigrations], { schema: pg.schema });
      let now = Date.now();
      const store = new PostgresJwtNonceStore({
        db: pg.db,
        schema: pg.schema,
        clock: { now: () => now },
        purgeIntervalMs: 0,
      });
      const ref = (jti: string, expiresAt: number) => ({
        iss: 'i',
        jti,
        sub: 's',
        family: 'f',
        kind: 'access' as const,
        issuedAt: now,
        expiresAt,
      });
      await store.record([ref('old', now + 10), ref('live', now + 60_000)]);
      await store.revokeFamily('i', 's', 'f', now + 10);
      now += 100;
      expect(await store.purgeExpired()).toBe(2);
      expect((await store.lookup(ref('live', 0))).status).toBe('active');
    } finally {
      await pg.cleanup();
    }
  });
});
