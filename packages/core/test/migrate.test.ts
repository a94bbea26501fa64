import {
  type IsolatedPostgresSchema,
  isolatedPostgresSchema,
  serviceAvailable,
} from '@rampart/test-utils';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import {
  createNonceStoreMigrations,
  migrate,
  nonceStoreMigrations,
  type PostgresMigration,
  type PostgresMigrations,
} from '../src/postgres.js';

const hasPostgres = await serviceAvailable('postgres');

/** A test package whose migrations create (and count the runs of) plain tables. */
function demoMigrations(names: string[], name = 'demo'): PostgresMigrations {
  return {
    name,
    migrations: names.map(
      (migrationName): PostgresMigration => ({
        name: migrationName,
        async up(db, { schema }) {
          await db.schema
            .withSchema(schema)
            .createTable(`rampart_${name}_${migrationName}`)
            .addColumn('id', 'integer')
            .execute();
        },
      }),
    ),
  };
}

async function tables(pg: IsolatedPostgresSchema): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = ${pg.schema} order by 1
  `.execute(pg.db);
  return rows.map((row) => row.table_name);
}

describe('migrate() argument checks', () => {
  const db = {} as never;

  it('refuses a schema that is not a plain lower-case identifier', async () => {
    await expect(migrate(db, [nonceStoreMigrations], { schema: 'Public' })).rejects.toBeInstanceOf(
      RampartConfigError,
    );
    await expect(migrate(db, [nonceStoreMigrations], { schema: 'a"; drop' })).rejects.toThrow(
      /migrate\.schema/,
    );
  });

  it('refuses unsorted or duplicate migration names, bad set names and a set listed twice', async () => {
    await expect(migrate(db, demoMigrations(['0002_b', '0001_a']))).rejects.toThrow(/sorted/);
    await expect(migrate(db, demoMigrations(['0001_a', '0001_a']))).rejects.toThrow(/unique/);
    await expect(migrate(db, demoMigrations(['0001_a'], 'Bad-Name'))).rejects.toThrow(
      RampartConfigError,
    );
    await expect(migrate(db, [nonceStoreMigrations, nonceStoreMigrations])).rejects.toThrow(
      /twice/,
    );
  });
});

describe.skipIf(!hasPostgres)('migrate() on Postgres', () => {
  let pg: IsolatedPostgresSchema;

  beforeEach(async () => {
    pg = await isolatedPostgresSchema();
  });
  afterEach(async () => {
    await pg.cleanup();
  });

  it('creates the nonce table in the schema once, with one bookkeeping table per package', async () => {
    const first = await migrate(pg.db, [nonceStoreMigrations], { schema: pg.schema });
    expect(first.executed).toEqual(['core/0001_create_nonces', 'core/0002_create_claim_function']);
    const again = await migrate(pg.db, nonceStoreMigrations, { schema: pg.schema });
    expect(again.executed).toEqual([]);
    expect(await tables(pg)).toEqual([
      'rampart_core_migrations',
      'rampart_core_nonces',
      'rampart_migrations_lock',
    ]);
  });

  it('migrates packages independently, in any order and in separate calls', async () => {
    await migrate(pg.db, demoMigrations(['0001_a']), { schema: pg.schema });
    // A package added later does not need the others listed, and vice versa.
    await migrate(pg.db, [nonceStoreMigrations], { schema: pg.schema });
    const grown = await migrate(
      pg.db,
      [nonceStoreMigrations, demoMigrations(['0001_a', '0002_b'])],
      {
        schema: pg.schema,
      },
    );
    expect(grown.executed).toEqual(['demo/0002_b']);
    expect(await tables(pg)).toContain('rampart_demo_0002_b');
  });

  it('names a failed migration and rolls back the pending migrations of its package', async () => {
    await migrate(pg.db, [nonceStoreMigrations], { schema: pg.schema });
    const failing: PostgresMigrations = {
      name: 'demo',
      migrations: [
        ...demoMigrations(['0001_a']).migrations,
        {
          name: '0002_broken',
          async up(db, { schema }) {
            await db.schema
              .withSchema(schema)
              .createTable('rampart_demo_half')
              .addColumn('id', 'integer')
              .execute();
            await sql`select no_such_function()`.execute(db);
          },
        },
      ],
    };
    await expect(migrate(pg.db, failing, { schema: pg.schema })).rejects.toThrow(
      /demo\/0002_broken failed/,
    );
    const names = await tables(pg);
    // One transaction per package and call: all of demo's pending steps are undone, core's stay.
    expect(names).toContain('rampart_core_nonces');
    expect(names).not.toContain('rampart_demo_0001_a');
    expect(names).not.toContain('rampart_demo_half');
    const fixed = await migrate(pg.db, demoMigrations(['0001_a', '0002_broken']), {
      schema: pg.schema,
    });
    expect(fixed.executed).toEqual(['demo/0001_a', 'demo/0002_broken']);
  });

  it('runs each migration once when several instances migrate at the same time', async () => {
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        migrate(pg.db, [nonceStoreMigrations], { schema: pg.schema }),
      ),
    );
    expect(runs.flatMap((run) => run.executed)).toEqual([
      'core/0001_create_nonces',
      'core/0002_create_claim_function',
    ]);
  });

  it('creates the schema when it is missing', async () => {
    const schema = `${pg.schema}_extra`;
    try {
      await migrate(pg.db, [nonceStoreMigrations], { schema });
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables where table_schema = ${schema}
      `.execute(pg.db);
      expect(rows[0]?.n).toBe(3);
    } finally {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(pg.db);
    }
  });

  it('creates an UNLOGGED nonce table only when asked', async () => {
    const persistence = async (target: IsolatedPostgresSchema) => {
      const { rows } = await sql<{ relpersistence: string }>`
        select c.relpersistence from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${target.schema} and c.relname = 'rampart_core_nonces'
      `.execute(target.db);
      return rows[0]?.relpersistence;
    };
    await migrate(pg.db, [createNonceStoreMigrations({ unlogged: true })], { schema: pg.schema });
    expect(await persistence(pg)).toBe('u');
    const logged = await isolatedPostgresSchema({ max: 1 });
    try {
      await migrate(logged.db, [nonceStoreMigrations], { schema: logged.schema });
      expect(await persistence(logged)).toBe('p');
    } finally {
      await logged.cleanup();
    }
  });
});
