import { migrate } from '@rampart/core/postgres';
import { isolatedPostgresSchema } from '@rampart/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyStart, columnsMatchBody } from '../src/body.js';
import { auditMigrations, PostgresAuditStore } from '../src/postgres.js';
import type { AuditRow } from '../src/store.js';
import { body, COLUMN_CHANGES } from './helpers/column-cases.js';
import { hasPostgres } from './helpers/trail.js';

// verify() on Postgres takes the columns' comparison with the text from the query (readLinks):
// it must answer as columnsMatchBody does in the process, for every column and every odd text.

const row: AuditRow = {
  chain: 'api-1',
  seq: 42,
  at: 1_767_225_600_000,
  type: 'LOGIN_FAILURE',
  severity: 'warning',
  outcome: 'failure',
  subject: 'q7AbC',
  count: 1,
  body,
  hash: '0'.repeat(64),
};

/** A value with every character JSON escapes, and some it writes raw. */
const odd = 'q"u\\o\n\r\t\b\f\u0001\u001f\u007f\u2028é😀';

/** A change to the row; a tampered outcome need not be one the type allows. */
type Change = { [name in keyof AuditRow]?: unknown };

const cases: Array<[string, Change]> = [
  ['nothing changed', {}],
  ...COLUMN_CHANGES,
  ['text of another chain', { body: body.replace('"api-1"', '"api-2"') }],
  ['a number in the text with a leading zero', { body: body.replace('"seq":42,', '"seq":042,') }],
  [
    'a type with characters JSON escapes, in text and column alike',
    { type: odd, body: body.replace('"LOGIN_FAILURE"', JSON.stringify(odd)) },
  ],
  [
    'an outcome with a quote, the column holding the escape instead',
    { outcome: 'su\\"ccess', body: body.replace('"failure"', '"su\\"ccess"') },
  ],
  [
    'an outcome with a quote, in text and column alike',
    { outcome: 'su"ccess', body: body.replace('"failure"', '"su\\"ccess"') },
  ],
];

describe.skipIf(!hasPostgres)("Postgres compares a row's columns with its text", () => {
  let pg: Awaited<ReturnType<typeof isolatedPostgresSchema>>;
  let store: PostgresAuditStore;
  beforeAll(async () => {
    pg = await isolatedPostgresSchema({ max: 2 });
    await migrate(pg.db, [auditMigrations], { schema: pg.schema });
    store = new PostgresAuditStore({ db: pg.db, schema: pg.schema });
  });
  afterAll(async () => {
    await pg?.cleanup();
  });

  it.each(cases)('as the process does when %s', async (_name, change) => {
    const chain = `c${Math.random().toString(36).slice(2)}`;
    const stored = { ...row, ...change, chain } as AuditRow;
    // Written under a chain of its own, the text still naming api-1: compared as api-1's texts are.
    await store.append([{ ...stored, seq: 1 }]);
    const table = `"${pg.schema}".rampart_audit_records`;
    await pg.pool.query(`alter table ${table} disable trigger rampart_audit_append_only`);
    await pg.pool.query(`update ${table} set chain = $1, seq = $2 where chain = $3`, [
      'api-1',
      stored.seq,
      chain,
    ]);
    await pg.pool.query(`alter table ${table} enable trigger rampart_audit_append_only`);
    const [link] = await store.readLinks('api-1', stored.seq - 1, 1);
    await pg.pool.query(`delete from ${table} where chain = 'api-1'`);
    expect(link).toMatchObject({ seq: stored.seq, body: stored.body, hash: stored.hash });
    expect(link?.columnsMatch).toBe(columnsMatchBody(stored.body, bodyStart('api-1'), stored));
  });

  it('agree on the unchanged row, and disagree on a changed one (the table is not vacuous)', () => {
    expect(columnsMatchBody(body, bodyStart('api-1'), row)).toBe(true);
    expect(columnsMatchBody(body, bodyStart('api-1'), { ...row, count: 2 })).toBe(false);
  });
});

describe.skipIf(!hasPostgres)('Postgres reads pages of links across gaps', () => {
  it('gives the rows after a sequence in order, whatever is missing before, inside or after', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(pg.db, [auditMigrations], { schema: pg.schema });
      const store = new PostgresAuditStore({ db: pg.db, schema: pg.schema });
      const seqs = [1, 2, 3, 7, 8, 9, 10, 100, 101, 102, 103];
      for (const seq of seqs) {
        // One row a batch: the store takes any sequence numbers; the trail never leaves gaps.
        await store.append([{ ...row, chain: 'gaps', seq, body: `{"seq":${seq}}` }]);
      }
      const pages: number[][] = [];
      for (let after = 0; ; ) {
        const page = await store.readLinks('gaps', after, 3);
        if (page.length === 0) break;
        pages.push(page.map((link) => link.seq));
        after = page[page.length - 1]?.seq ?? after;
      }
      expect(pages).toEqual([
        [1, 2, 3],
        [7, 8, 9],
        [10, 100, 101],
        [102, 103],
      ]);
      expect((await store.readLinks('gaps', 50, 2)).map((link) => link.seq)).toEqual([100, 101]);
    } finally {
      await pg.cleanup();
    }
  });
});
