import type { Kysely, Migration, MigrationProvider, MigrationResultSet } from 'kysely';
import { Migrator } from 'kysely';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { postgresIdentifierSchema } from './identifiers.js';

/** What a migration is told besides the connection: where its tables live. */
export interface PostgresMigrationContext {
  /** The schema `migrate()` was given; create and alter tables there (`db.schema.withSchema(schema)`). */
  readonly schema: string;
}

/** One step of a package's schema history. Steps run in name order. */
export interface PostgresMigration {
  /** Unique within its set and sorting in run order: `0001_create_nonces`. */
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the user's untyped database
  up(db: Kysely<any>, context: PostgresMigrationContext): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: see up()
  down?(db: Kysely<any>, context: PostgresMigrationContext): Promise<void>;
}

/**
 * The migrations one package exports. Each set records its progress in its own table,
 * `rampart_<name>_migrations`, so packages are migrated independently and in any order: a
 * shared table would make Kysely's Migrator reject every run that does not list every other
 * package's migrations ("previously executed migration … is missing").
 */
export interface PostgresMigrations {
  /** The package, as in its table names: `core`, `rate_limit`. */
  readonly name: string;
  readonly migrations: readonly PostgresMigration[];
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Where the tables and the migration bookkeeping live; created if missing. Default `public`. */
  schema?: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The migrations run by this call, as `<set>/<migration>`, in run order. */
  readonly executed: readonly string[];
}

/** Shared by every set: Kysely's lock row is the same id in each, and Postgres locks with an advisory lock anyway. */
const LOCK_TABLE = 'rampart_migrations_lock';

const optionsSchema = z.strictObject({ schema: postgresIdentifierSchema.default('public') });
const setNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be 1 to 40 lower-case letters, digits or _');

function checkSet(set: PostgresMigrations): void {
  const owner = `migrate(${JSON.stringify(set?.name)})`;
  parseOptions(owner, setNameSchema, set.name);
  const names = set.migrations.map((migration) => migration.name);
  names.forEach((name, index) => {
    if (typeof name !== 'string' || name === '')
      throw new TypeError(`${owner}: a migration has no name`);
    const previous = names[index - 1];
    // Kysely runs migrations in name order; a list in another order would not run as written.
    if (previous !== undefined && previous >= name) {
      throw new TypeError(
        `${owner}: migration names must be unique and sorted, ${previous} then ${name}`,
      );
    }
  });
}

/**
 * Kysely's Migrator checks for its tables by introspecting every schema of the database; a
 * schema dropped meanwhile by someone else makes that query fail with `invalid_schema_name`
 * before any migration ran. Nothing was changed then, so trying again is safe.
 */
async function migrateWithRetry(migrator: Migrator): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await migrator.migrateToLatest();
    const untouched = (outcome.results ?? []).every((result) => result.status === 'NotExecuted');
    const code = (outcome.error as { code?: unknown } | undefined)?.code;
    if (outcome.error === undefined || !untouched || code !== '3F000' || attempt === 3)
      return outcome;
  }
}

function providerFor(
  set: PostgresMigrations,
  context: PostgresMigrationContext,
): MigrationProvider {
  const migrations: Record<string, Migration> = {};
  for (const migration of set.migrations) {
    const down = migration.down;
    migrations[migration.name] = {
      up: (db) => migration.up(db, context),
      ...(down ? { down: (db) => down.call(migration, db, context) } : {}),
    };
  }
  return { getMigrations: async () => migrations };
}

/**
 * Brings the tables of one or more packages up to date, with Kysely's Migrator, under an
 * advisory lock, so app instances starting together migrate once. Run it at deploy or
 * start-up, before the stores are used.
 *
 * The pending migrations of one package run in one transaction (Postgres DDL is
 * transactional): when one fails, `migrate` throws naming it and none of that package's pending
 * migrations stay applied; packages listed before it stay migrated.
 *
 * @example
 * await migrate(db, [nonceStoreMigrations, rateLimitMigrations], { schema: 'security' });
 */
export async function migrate(
  // biome-ignore lint/suspicious/noExplicitAny: works on any database
  db: Kysely<any>,
  sets: PostgresMigrations | readonly PostgresMigrations[],
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const { schema } = parseOptions('migrate', optionsSchema, options);
  const list: readonly PostgresMigrations[] = Array.isArray(sets)
    ? sets
    : [sets as PostgresMigrations];
  const seen = new Set<string>();
  for (const set of list) {
    checkSet(set);
    if (seen.has(set.name)) throw new TypeError(`migrate: the set ${set.name} is listed twice`);
    seen.add(set.name);
  }
  const executed: string[] = [];
  for (const set of list) {
    const migrator = new Migrator({
      db,
      provider: providerFor(set, { schema }),
      migrationTableSchema: schema,
      migrationTableName: `rampart_${set.name}_migrations`,
      migrationLockTableName: LOCK_TABLE,
    });
    const { error, results = [] } = await migrateWithRetry(migrator);
    for (const result of results) {
      if (result.status === 'Success') executed.push(`${set.name}/${result.migrationName}`);
    }
    if (error !== undefined) {
      const failed = results.find((result) => result.status === 'Error')?.migrationName;
      const what = failed === undefined ? set.name : `${set.name}/${failed}`;
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`migrate: ${what} failed: ${reason}`, { cause: error });
    }
  }
  return { executed };
}
