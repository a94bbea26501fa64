import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { databaseUrl } from './services.js';

/** A schema of its own on `DATABASE_URL`, a Kysely instance on it, and the means to drop both. */
export interface IsolatedPostgresSchema {
  /** `rampart_test_<random>`: pass it as the store's / `migrate()`'s `schema`. */
  readonly schema: string;
  // biome-ignore lint/suspicious/noExplicitAny: stores take an untyped Kysely, like the user's.
  readonly db: Kysely<any>;
  readonly pool: pg.Pool;
  /** Drops the schema with everything in it and ends the pool. */
  cleanup(): Promise<void>;
}

/** Options of {@link isolatedPostgresSchema}. */
export interface IsolatedPostgresSchemaOptions {
  /** Size of the pg pool; the default 10 matches pg's. */
  max?: number;
}

/**
 * Creates `rampart_test_<random>` and a Kysely instance on a pg Pool. The search path is left
 * alone on purpose: a store that forgets its `schema` option then fails instead of passing.
 *
 * @example
 * const pgTest = await isolatedPostgresSchema();
 * afterAll(pgTest.cleanup);
 */
export async function isolatedPostgresSchema(
  options: IsolatedPostgresSchemaOptions = {},
): Promise<IsolatedPostgresSchema> {
  const schema = `rampart_test_${randomBytes(6).toString('hex')}`;
  const pool = new pg.Pool({
    connectionString: databaseUrl(),
    max: options.max ?? 10,
    connectionTimeoutMillis: 5000,
  });
  pool.on('error', () => {}); // an idle client losing its connection must not crash the run
  // biome-ignore lint/suspicious/noExplicitAny: see IsolatedPostgresSchema.db
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  await db.schema.createSchema(schema).execute();
  let cleaned = false;
  return {
    schema,
    db,
    pool,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      } finally {
        await db.destroy();
      }
    },
  };
}
