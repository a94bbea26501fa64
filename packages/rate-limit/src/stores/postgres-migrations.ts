import type { PostgresMigration, PostgresMigrations } from '@rampart/core/postgres';
import { sql } from 'kysely';
import { CHECK_FUNCTION_BODY_0002 } from './postgres-check.js';
import { CHECK_FUNCTION_BODY } from './postgres-function.js';
import { HIT_STATEMENT, singleHitFunctionBody } from './postgres-statement.js';
import { upsertFunctionBody } from './postgres-upsert.js';

/** The table of counters: one row per client, route and policy (0002: one per client and route). */
export const RATE_LIMIT_TABLE = 'rampart_rate_limit_counters';
/** The function 0001 and 0002 installed for checks; 0003 drops it (a check is one plain statement). */
const RATE_LIMIT_FUNCTION = 'rampart_rate_limit_check';

const createCounters: PostgresMigration = {
  name: '0001_create_counters',
  async up(db, { schema }) {
    // Unlogged: counters are short-lived and rebuilt by traffic, so a crash costs clients at most
    // one fresh window; a durable write (a WAL flush) per request would cost more than the check.
    await db.schema
      .withSchema(schema)
      .createTable(RATE_LIMIT_TABLE)
      .modifyFront(sql`unlogged`)
      .addColumn('key', 'text', (column) => column.primaryKey())
      .addColumn('a', 'double precision', (column) => column.notNull())
      .addColumn('b', 'double precision', (column) => column.notNull())
      .addColumn('c', 'double precision', (column) => column.notNull())
      .addColumn('k', 'double precision', (column) => column.notNull())
      .addColumn('expires_at', 'double precision', (column) => column.notNull())
      .execute();
    await db.schema
      .withSchema(schema)
      .createIndex(`${RATE_LIMIT_TABLE}_expires_at_idx`)
      .on(RATE_LIMIT_TABLE)
      .column('expires_at')
      .execute();
    // The table is schema-qualified inside the body rather than found through a `set
    // search_path` clause: such a clause makes Postgres save and restore the setting on every
    // call. `schema` passed `postgresIdentifierSchema` (lower-case letters, digits, _), so quoting
    // it is exact; the rest of the body is a constant.
    const body = CHECK_FUNCTION_BODY.replaceAll(
      RATE_LIMIT_TABLE,
      `"${schema}".${RATE_LIMIT_TABLE}`,
    );
    await sql`
      create function ${sql.id(schema, RATE_LIMIT_FUNCTION)}(
        p_mode int, p_now double precision, p_cost double precision, p_block_until double precision,
        p_keys text[], p_codes int[], p_limits double precision[], p_windows double precision[],
        p_bursts double precision[], p_block_ms double precision[])
      returns table (allowed boolean, remaining double precision, reset_ms double precision, retry_ms double precision)
      language plpgsql
      as ${sql.lit(body)}
    `.execute(db);
  },
  async down(db, { schema }) {
    await sql`drop function if exists ${sql.id(schema, RATE_LIMIT_FUNCTION)}`.execute(db);
    await db.schema.withSchema(schema).dropTable(RATE_LIMIT_TABLE).execute();
  },
};

/** Where 0002 moves 0001's table while it copies the counters over. */
const TABLE_0001 = `${RATE_LIMIT_TABLE}_0001`;

const oneRowPerClient: PostgresMigration = {
  name: '0002_one_row_per_client',
  async up(db, { schema }) {
    const old = sql.id(schema, TABLE_0001);
    await sql`alter table ${sql.id(schema, RATE_LIMIT_TABLE)} rename to ${sql.id(TABLE_0001)}`.execute(
      db,
    );
    await sql`alter index ${sql.id(schema, `${RATE_LIMIT_TABLE}_pkey`)} rename to ${sql.id(`${TABLE_0001}_pkey`)}`.execute(
      db,
    );
    await sql`alter index ${sql.id(schema, `${RATE_LIMIT_TABLE}_expires_at_idx`)} rename to ${sql.id(`${TABLE_0001}_expires_at_idx`)}`.execute(
      db,
    );
    await sql`drop function ${sql.id(schema, RATE_LIMIT_FUNCTION)}(int, double precision, double precision, double precision, text[], int[], double precision[], double precision[], double precision[], double precision[])`.execute(
      db,
    );
    // Unlogged, as 0001's: counters are short-lived and rebuilt by traffic.
    await sql`
      create unlogged table ${sql.id(schema, RATE_LIMIT_TABLE)} (
        key text primary key,
        names text[] not null,
        s double precision[] not null,
        reply double precision[] not null,
        expires_at double precision not null)
    `.execute(db);
    await sql`create index ${sql.id(`${RATE_LIMIT_TABLE}_expires_at_idx`)} on ${sql.id(schema, RATE_LIMIT_TABLE)} (expires_at)`.execute(
      db,
    );
    // 0001 keyed a row `policy:scopeLength:scope:identity` (policy names hold no ':'); its
    // counters and blocks carry over, so a deploy lifts no block.
    await sql`
      insert into ${sql.id(schema, RATE_LIMIT_TABLE)} (key, names, s, reply, expires_at)
      select substr(key, strpos(key, ':') + 1),
        array_agg(left(key, strpos(key, ':') - 1) order by key),
        array_agg(array[a, b, c, k, expires_at] order by key), '{}', max(expires_at)
      from ${old} group by 1
    `.execute(db);
    await sql`drop table ${old}`.execute(db);
    // Schema-qualified inside the body, as 0001's (see there).
    const body = CHECK_FUNCTION_BODY_0002.replaceAll(
      RATE_LIMIT_TABLE,
      `"${schema}".${RATE_LIMIT_TABLE}`,
    );
    await sql`
      create function ${sql.id(schema, RATE_LIMIT_FUNCTION)}(
        p_mode int, p_now double precision, p_cost double precision, p_block_until double precision,
        p_key text, p_names text[], p_codes int[], p_limits double precision[],
        p_windows double precision[], p_bursts double precision[], p_block_ms double precision[])
      returns double precision[]
      language plpgsql
      as ${sql.lit(body)}
    `.execute(db);
  },
  // Back to 0001's empty table and function: counters are not carried back.
  async down(db, context) {
    const { schema } = context;
    await sql`drop function if exists ${sql.id(schema, RATE_LIMIT_FUNCTION)}(int, double precision, double precision, double precision, text, text[], int[], double precision[], double precision[], double precision[], double precision[])`.execute(
      db,
    );
    await sql`drop table ${sql.id(schema, RATE_LIMIT_TABLE)}`.execute(db);
    await createCounters.up(db, context);
  },
};

/**
 * The function a check calls since 0003: PL/pgSQL only so Postgres keeps the statement's plan
 * for the session, and a generic one (`force_generic_plan`): planned per call (raw, or a custom plan)
 * the statement cost ~0.7 ms of server CPU, several times its execution.
 */
export const RATE_LIMIT_HIT_FUNCTION = 'rampart_rate_limit_hit';

/** The function a check of one policy calls since 0003 (`singleHitStatement`), for the same reason. */
export const RATE_LIMIT_HIT_ONE_FUNCTION = 'rampart_rate_limit_hit_one';

/** Where 0003 moves 0002's table while it copies the counters over. */
const TABLE_0002 = `${RATE_LIMIT_TABLE}_0002`;

const rowPerPolicy: PostgresMigration = {
  name: '0003_row_per_policy',
  async up(db, { schema }) {
    const old = sql.id(schema, TABLE_0002);
    await sql`alter table ${sql.id(schema, RATE_LIMIT_TABLE)} rename to ${sql.id(TABLE_0002)}`.execute(
      db,
    );
    await sql`alter index ${sql.id(schema, `${RATE_LIMIT_TABLE}_pkey`)} rename to ${sql.id(`${TABLE_0002}_pkey`)}`.execute(
      db,
    );
    await sql`alter index ${sql.id(schema, `${RATE_LIMIT_TABLE}_expires_at_idx`)} rename to ${sql.id(`${TABLE_0002}_expires_at_idx`)}`.execute(
      db,
    );
    await sql`drop function ${sql.id(schema, RATE_LIMIT_FUNCTION)}(int, double precision, double precision, double precision, text, text[], int[], double precision[], double precision[], double precision[], double precision[])`.execute(
      db,
    );
    // 0001's table again, unlogged: plain numeric columns a policy, which a check reads and
    // writes with plain expressions (postgres-statement.ts).
    await sql`
      create unlogged table ${sql.id(schema, RATE_LIMIT_TABLE)} (
        key text primary key,
        a double precision not null,
        b double precision not null,
        c double precision not null,
        k double precision not null,
        expires_at double precision not null,
        -- The state before the last one-policy check, which that check returns (null: none).
        pa double precision,
        pb double precision,
        pc double precision,
        pk double precision)
      with (fillfactor = 70)
    `.execute(db);
    // No index on expires_at: a check rewrites it, and an indexed column changed makes every
    // check a non-HOT update (new entries in both indexes, which bloat under load). The purge
    // scans the table once a minute instead; free space on each page (fillfactor) keeps the
    // checks' updates on their page.
    // 0002 keyed a row `scopeLength:scope:identity` and kept a state `[a, b, c, k, expires_at]`
    // per policy name; each becomes the row `policy:scopeLength:scope:identity` (storageKey), so
    // a deploy lifts no block and forgets no count.
    await sql`
      insert into ${sql.id(schema, RATE_LIMIT_TABLE)} (key, a, b, c, k, expires_at)
      select p.name || ':' || o.key, o.s[p.j][1], o.s[p.j][2], o.s[p.j][3], o.s[p.j][4], o.s[p.j][5]
      from ${old} o cross join lateral unnest(o.names) with ordinality as p(name, j)
    `.execute(db);
    await sql`drop table ${old}`.execute(db);
    // Schema-qualified inside the body, as 0001's (see there).
    const body = HIT_STATEMENT.replaceAll('TABLE', `"${schema}".${RATE_LIMIT_TABLE}`);
    await sql`
      create function ${sql.id(schema, RATE_LIMIT_HIT_FUNCTION)}(
        p_now double precision, p_cost double precision, p_keys text[], p_codes int[],
        p_limits double precision[], p_windows double precision[], p_bursts double precision[],
        p_block_ms double precision[])
      returns table (r_key text, r_a double precision, r_b double precision, r_c double precision, r_k double precision)
      language plpgsql
      set plan_cache_mode = force_generic_plan
      as ${sql.lit(`begin
${body}
end;`)}
    `.execute(db);
    await sql`
      create function ${sql.id(schema, RATE_LIMIT_HIT_ONE_FUNCTION)}(
        p_code int, p_key text, p_now double precision, p_cost double precision,
        p_a double precision, p_b double precision, p_c double precision, p_k double precision,
        p_expires_at double precision, p_limit double precision, p_window double precision,
        p_block_ms double precision, p_burst double precision)
      returns table (r_a double precision, r_b double precision, r_c double precision, r_k double precision)
      language plpgsql
      set plan_cache_mode = force_generic_plan
      as ${sql.lit(singleHitFunctionBody(`"${schema}".${RATE_LIMIT_TABLE}`))}
    `.execute(db);
  },
  // Back to 0002's empty table and function: counters are not carried back.
  async down(db, context) {
    await sql`drop function ${sql.id(context.schema, RATE_LIMIT_HIT_FUNCTION)}`.execute(db);
    await sql`drop function ${sql.id(context.schema, RATE_LIMIT_HIT_ONE_FUNCTION)}`.execute(db);
    await sql`drop table ${sql.id(context.schema, RATE_LIMIT_TABLE)}`.execute(db);
    await createCounters.up(db, context);
    await oneRowPerClient.up(db, context);
  },
};

/**
 * The function a check calls since 0004 (`postgres-upsert.ts`): one upsert per policy. PL/pgSQL
 * keeps each statement's plan for the session, so a call plans only its own one-line `select`.
 */
export const RATE_LIMIT_UPSERT_FUNCTION = 'rampart_rate_limit_upsert';

const upsertPerPolicy: PostgresMigration = {
  name: '0004_upsert_per_policy',
  async up(db, { schema }) {
    // 0003's table as it is. 0003's two functions stay: processes of the previous release call
    // them until a rolling deploy replaces them, and both keep the same rows exact.
    // No `set plan_cache_mode` clause, unlike 0003's: Postgres would save and restore the
    // setting on every call, and each statement here costs the same under any parameters, so
    // the plan cache settles on a generic plan by itself.
    await sql`
      create function ${sql.id(schema, RATE_LIMIT_UPSERT_FUNCTION)}(
        p_now double precision, p_cost double precision, p_keys text[], p_codes int[],
        p_limits double precision[], p_windows double precision[], p_bursts double precision[],
        p_block_ms double precision[], p_fresh double precision[])
      returns double precision[]
      language plpgsql
      as ${sql.lit(upsertFunctionBody(`"${schema}".${RATE_LIMIT_TABLE}`))}
    `.execute(db);
  },
  async down(db, { schema }) {
    await sql`drop function ${sql.id(schema, RATE_LIMIT_UPSERT_FUNCTION)}`.execute(db);
  },
};

/**
 * The tables of 0005, by how many policies a row holds: a policy list's row lives in the narrowest
 * that fits it (`setTableOf`). Sized tables, not one of eight: Postgres forms and reads every
 * column of a row it updates, and two policies' row in an eight-wide table cost the server ~10%
 * more a check in the bench (docs/rate-limit.md, "Postgres").
 */
export const RATE_LIMIT_SET_TABLES = Object.freeze({
  2: 'rampart_rate_limit_policy_sets_2',
  4: 'rampart_rate_limit_policy_sets_4',
  8: 'rampart_rate_limit_policy_sets_8',
});

/** How many policies a row of each table of 0005 holds, narrowest first. */
export type SetTableWidth = keyof typeof RATE_LIMIT_SET_TABLES;
export const SET_TABLE_WIDTHS: readonly SetTableWidth[] = Object.freeze([2, 4, 8]);

/** The width of the table a list of `policyCount` (2 to 8) policies has its rows in: the narrowest that fits. */
export function setTableOf(policyCount: number): SetTableWidth {
  for (const width of SET_TABLE_WIDTHS) if (policyCount <= width) return width;
  throw new RangeError(`no policy-list table holds ${policyCount} policies`);
}

/** A row's state columns in a table of `width` policies: `a0, b0, c0, k0, …`, four a policy. */
function setColumnsOf(width: number): string[] {
  return Array.from({ length: width }, (_, i) =>
    ['a', 'b', 'c', 'k'].map((field) => `${field}${i}`),
  ).flat();
}

const rowPerPolicySet: PostgresMigration = {
  name: '0005_row_per_policy_set',
  async up(db, { schema }) {
    // Keys compare as bytes (`collate "C"`): they are identifiers, and a check's index lookup then
    // compares with memcmp instead of the database's locale (~3% of a check's server CPU).
    // Rewrites 0003's index once; statements of the previous release keep working on it.
    const counters = sql.id(schema, RATE_LIMIT_TABLE);
    await sql`alter table ${counters} alter column key type text collate "C"`.execute(db);
    let narrower = 1;
    for (const width of SET_TABLE_WIDTHS) {
      const table = sql.id(schema, RATE_LIMIT_SET_TABLES[width]);
      const stateColumns = setColumnsOf(width);
      // A check of several policies upserts one row (postgres-policy-set.ts): policy `i` of the
      // list in `a<i>`, `b<i>`, `c<i>`, `k<i>` (null past the list's length), up to the 8 a
      // limiter may name (policy.ts's MAX_POLICIES when 0005 was written; more needs a
      // migration); `ps` the state before the last check of a list with blockMs. Unlogged and
      // with free space on each page, as 0003's table (see there), and no index on expires_at.
      const columns = stateColumns.map((column) => sql`${sql.id(column)} double precision`);
      await sql`
        create unlogged table ${table} (
          key text collate "C" primary key,
          ${sql.join(columns)},
          ps double precision[],
          expires_at double precision not null)
        with (fillfactor = 70)
      `.execute(db);
      // 0003's rows `policy:scopeLength:scope:identity` of one client and scope, as many as this
      // table's lists have policies, are taken for one limiter's policy list: its row
      // `names:scopeLength:scope:identity` gets their states, in the order of `name:` (the
      // store's, code points), so a deploy lifts no block and forgets no count of a client whose
      // rows all still exist. (A client whose list has rows missing, or whose scope two limiters
      // share, starts that list afresh.) 0003's rows stay for one-policy limiters, and 0004's
      // function for one policy without a pool and for processes of the previous release until a
      // rolling deploy replaces them.
      const taken = stateColumns.map((_, j) => sql`g.s[${sql.lit(j + 1)}]`);
      await sql`
        insert into ${table} (key, ${sql.join(stateColumns.map((column) => sql.id(column)))}, expires_at)
        select g.key, ${sql.join(taken)}, g.expires_at
        from (
          select string_agg(r.name, ',' order by r.name || ':' collate "C") filter (where u.i = 1)
              || ':' || r.client as key,
            array_agg(u.v order by r.name || ':' collate "C", u.i) as s,
            max(r.expires_at) as expires_at
          from (select left(key, strpos(key, ':') - 1) as name,
              substr(key, strpos(key, ':') + 1) as client, a, b, c, k, expires_at from ${counters}) r
          cross join lateral unnest(array[r.a, r.b, r.c, r.k]) with ordinality as u(v, i)
          group by r.client
          -- the lists this table holds: four numbers a policy
          having count(*) between ${sql.lit(4 * (narrower + 1))} and ${sql.lit(4 * width)}) g
      `.execute(db);
      narrower = width;
    }
  },
  async down(db, { schema }) {
    for (const width of SET_TABLE_WIDTHS)
      await db.schema.withSchema(schema).dropTable(RATE_LIMIT_SET_TABLES[width]).execute();
    await sql`alter table ${sql.id(schema, RATE_LIMIT_TABLE)} alter column key type text collate "default"`.execute(
      db,
    );
  },
};

/**
 * The migrations of `PostgresRateLimitStore`, for core's `migrate()`: `UNLOGGED` tables of
 * counters, one row per client, route and policy for a one-policy limiter, one per client, route
 * and policy list for several.
 *
 * @example
 * await migrate(db, [rateLimitMigrations], { schema: 'security' });
 */
export const rateLimitMigrations: PostgresMigrations = Object.freeze({
  name: 'rate_limit',
  migrations: Object.freeze([
    Object.freeze(createCounters),
    Object.freeze(oneRowPerClient),
    Object.freeze(rowPerPolicy),
    Object.freeze(upsertPerPolicy),
    Object.freeze(rowPerPolicySet),
  ]),
});
