import { randomBytes } from 'node:crypto';
import { createFakeClock, type FakeClock } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import { createKeyRing, type KeyRing } from '@rampart/crypto';
import { isolatedPostgresSchema, serviceAvailable } from '@rampart/test-utils';
import {
  type AuditStore,
  type AuditTrailOptions,
  createAuditTrail,
  MemoryAuditStore,
} from '../../src/index.js';
import { auditMigrations, PostgresAuditStore } from '../../src/postgres.js';

export const hasPostgres = await serviceAvailable('postgres');

export const HMAC_KEY = randomBytes(32);

export function testKeyRing(): KeyRing {
  return createKeyRing({ keys: [{ id: 'test', key: randomBytes(32) }] });
}

/** A store under test and the means to tamper with its rows as an attacker with database access would. */
export interface StoreHarness {
  store: AuditStore;
  /** Runs SQL (Postgres) or edits the arrays (memory) to tamper. */
  tamper: Tamper;
  /** Every stored text of the store, to search for secrets and personal data. */
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

export interface Tamper {
  changeBody(seq: number, edit: (body: string) => string): Promise<void>;
  remove(seq: number): Promise<void>;
  /** Inserts a copy of record `copyOf` at position `seq`, shifting the later ones up. */
  insert(seq: number, copyOf: number): Promise<void>;
  swap(a: number, b: number): Promise<void>;
  /** Deletes every record after `seq` and every checkpoint after it. */
  truncateAfter(seq: number, alsoCheckpoints: boolean): Promise<void>;
}

function memoryHarness(): StoreHarness {
  const store = new MemoryAuditStore();
  const rows = () => store.rowsForTesting('main');
  const at = (seq: number) => rows().findIndex((row) => row.seq === seq);
  return {
    store,
    tamper: {
      async changeBody(seq, edit) {
        const index = at(seq);
        const row = rows()[index];
        if (row) rows()[index] = { ...row, body: edit(row.body) };
      },
      async remove(seq) {
        rows().splice(at(seq), 1);
      },
      async insert(seq, copyOf) {
        const copy = rows()[at(copyOf)];
        const index = at(seq);
        if (!copy) return;
        for (const [i, row] of rows().entries())
          if (i >= index) rows()[i] = { ...row, seq: row.seq + 1 };
        rows().splice(index, 0, { ...copy, seq });
      },
      async swap(a, b) {
        const list = rows();
        const [i, j] = [at(a), at(b)];
        const [ra, rb] = [list[i], list[j]];
        if (!ra || !rb) return;
        list[i] = { ...rb, seq: ra.seq };
        list[j] = { ...ra, seq: rb.seq };
      },
      async truncateAfter(seq, alsoCheckpoints) {
        const list = rows();
        list.splice(at(seq) + 1);
        if (alsoCheckpoints) {
          const checkpoints = store.checkpointsForTesting('main');
          checkpoints.splice(0, checkpoints.length, ...checkpoints.filter((cp) => cp.seq <= seq));
        }
      },
    },
    async dump() {
      const page = await store.query({ limit: 1_000_000 });
      return JSON.stringify(page);
    },
    async cleanup() {},
  };
}

async function postgresHarness(): Promise<StoreHarness> {
  const pg = await isolatedPostgresSchema({ max: 4 });
  await migrate(pg.db, [auditMigrations], { schema: pg.schema });
  const store = new PostgresAuditStore({ db: pg.db, schema: pg.schema });
  const table = `"${pg.schema}".rampart_audit_records`;
  const run = async (text: string) => {
    await pg.pool.query(`alter table ${table} disable trigger rampart_audit_append_only`);
    await pg.pool.query(text);
    await pg.pool.query(`alter table ${table} enable trigger rampart_audit_append_only`);
  };
  return {
    store,
    tamper: {
      async changeBody(seq, edit) {
        const { rows } = await pg.pool.query(`select body from ${table} where seq = $1`, [seq]);
        const body = edit(rows[0].body);
        await pg.pool.query(`alter table ${table} disable trigger rampart_audit_append_only`);
        await pg.pool.query(`update ${table} set body = $1 where seq = $2`, [body, seq]);
        await pg.pool.query(`alter table ${table} enable trigger rampart_audit_append_only`);
      },
      async remove(seq) {
        await run(`delete from ${table} where seq = ${Number(seq)}`);
      },
      async insert(seq, copyOf) {
        await run(`update ${table} set seq = -seq - 1 where seq >= ${Number(seq)}`);
        await run(`update ${table} set seq = -seq where seq < 0`);
        await run(`insert into ${table} (chain, seq, at, type, severity, outcome, subject, count, body, hash)
          select chain, ${Number(seq)}, at, type, severity, outcome, subject, count, body, hash from ${table} where seq = ${Number(copyOf) + (copyOf >= seq ? 1 : 0)}`);
      },
      async swap(a, b) {
        await run(
          `update ${table} set seq = case when seq = ${Number(a)} then ${Number(b)} else ${Number(a)} end + 1000000 where seq in (${Number(a)}, ${Number(b)})`,
        );
        await run(`update ${table} set seq = seq - 1000000 where seq > 1000000`);
      },
      async truncateAfter(seq, alsoCheckpoints) {
        await run(`delete from ${table} where seq > ${Number(seq)}`);
        if (alsoCheckpoints) {
          await pg.pool.query(
            `delete from "${pg.schema}".rampart_audit_checkpoints where seq > ${Number(seq)}`,
          );
        }
      },
    },
    async dump() {
      const tables = [
        'rampart_audit_records',
        'rampart_audit_checkpoints',
        'rampart_audit_user_keys',
      ];
      let text = '';
      for (const name of tables) {
        const { rows } = await pg.pool.query(`select * from "${pg.schema}".${name}`);
        text += JSON.stringify(rows);
      }
      return text;
    },
    cleanup: () => pg.cleanup(),
  };
}

/** The stores every trail test runs on; Postgres is skipped (loudly) without a server. */
export const STORES: Array<[string, boolean, () => Promise<StoreHarness>]> = [
  ['memory', true, async () => memoryHarness()],
  ['postgres', hasPostgres, postgresHarness],
];

export interface TrailUnderTest {
  trail: ReturnType<typeof createAuditTrail>;
  clock: FakeClock;
}

export function makeTrail(
  store: AuditStore,
  options: Partial<AuditTrailOptions> = {},
): TrailUnderTest {
  const clock = createFakeClock(Date.UTC(2026, 0, 1));
  const trail = createAuditTrail({
    hmacKey: HMAC_KEY,
    keyRing: testKeyRing(),
    store,
    clock,
    flushIntervalMs: 60_000,
    ...options,
  });
  return { trail, clock };
}
