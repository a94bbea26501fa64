/**
 * Benchmark: `@rampart/audit` in one run. Issue 19's rows:
 * - enqueue on the request path (`trail.record`), beside a bare `Array#push` of the same event;
 * - Postgres, sustained: events chained (HMAC), sealed per user and committed (one transaction
 *   a batch, `synchronous_commit` as the server has it), beside the same rows appended by the
 *   store alone;
 * - `verify()` streaming a Postgres chain and a memory chain;
 * - a login while the alert webhook receiver hangs for 30 s, beside the same login without one.
 * Writes the `audit` section of docs/benchmarks.md.
 * Run alone: `pnpm --filter @rampart/bench bench:audit` (after building @rampart/audit;
 * `BENCH_QUICK=1` for one short round, which leaves docs/benchmarks.md as it is).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuditRow,
  createAlerter,
  createAuditTrail,
  MemoryAuditStore,
  webhookAlertSink,
} from '@rampart/audit';
import { auditMigrations, PostgresAuditStore } from '@rampart/audit/postgres';
import { migrate } from '@rampart/core/postgres';
import { createKeyRing } from '@rampart/crypto';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { connectPostgres } from '../backends/postgres.js';
import { describeBuild } from '../harness/build-info.js';
import { BENCHMARKS_DOC, describeMachine, loadAtStart, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, pinSelf } from '../harness/pinning.js';
import { median } from '../harness/stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 5;
const ENQUEUE_EVENTS = QUICK ? 20_000 : 200_000;
const PG_EVENTS = QUICK ? 5_000 : 50_000;
const LOGINS = QUICK ? 50 : 500;

const keyRing = () => createKeyRing({ keys: [{ id: 'bench', key: randomBytes(32) }] });
const event = (i: number) => ({
  type: 'LOGIN_FAILURE',
  severity: 'warning' as const,
  at: 1_767_225_600_000 + i,
  source: 'app',
  code: 'ERR_LOGIN_FAILED',
  userId: `user-${i % 1000}`,
  ip: `203.0.113.${i % 250}`,
  route: '/api/v1/auth/login',
  method: 'POST',
});

function cpuUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function enqueueRow(): Promise<string[][]> {
  const trail = createAuditTrail({
    hmacKey: randomBytes(32),
    keyRing: keyRing(),
    store: new MemoryAuditStore({ maxRecords: 1_000_000 }),
    maxQueue: ENQUEUE_EVENTS * 2,
    batchSize: 5000,
    flushIntervalMs: 60_000,
  });
  const events = Array.from({ length: ENQUEUE_EVENTS }, (_, i) => event(i));
  const ours: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const sink: unknown[] = [];
    let start = process.hrtime.bigint();
    for (const item of events) sink.push(item);
    const bareNs = Number(process.hrtime.bigint() - start) / events.length;
    start = process.hrtime.bigint();
    for (const item of events) trail.record(item);
    const oursNs = Number(process.hrtime.bigint() - start) / events.length;
    if (round > 0) {
      ours.push(oursNs);
      bare.push(bareNs);
    }
    await trail.flush(); // untimed: the writer's work is the next rows'
  }
  await trail.close();
  return [
    [
      '`trail.record(event)` (request path)',
      `${(median(ours) / 1000).toFixed(3)} µs`,
      'target ≤ 1 µs',
    ],
    ['bare `Array#push(event)`', `${(median(bare) / 1000).toFixed(3)} µs`, ''],
  ];
}

async function postgresRows(): Promise<{ rows: string[][]; server: string }> {
  const pg = await connectPostgres();
  const schema = `rampart_bench_audit_${process.pid}`;
  // The bare appends go to a schema of their own: verify() checks every chain of its store.
  const bareSchema = `${schema}_bare`;
  for (const name of [schema, bareSchema]) {
    await sql`create schema if not exists ${sql.id(name)}`.execute(pg.db);
  }
  try {
    await migrate(pg.db, [auditMigrations], { schema });
    await migrate(pg.db, [auditMigrations], { schema: bareSchema });
    const bareStore = new PostgresAuditStore({ db: pg.db, schema: bareSchema });
    // One chain key and one key ring for every round: verify() checks every chain of the store
    // with the key, and the users' record keys stored in round 1 are opened with the ring later.
    const hmacKey = randomBytes(32);
    const ring = keyRing();
    const { rows: settings } = await sql<{
      setting: string;
    }>`select current_setting('synchronous_commit') as setting`.execute(pg.db);
    const store = new PostgresAuditStore({ db: pg.db, schema });
    const chained: number[] = [];
    const chainedCpu: number[] = [];
    const bareCpu: number[] = [];
    const bareRates: number[] = [];
    const verifyRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const trail = createAuditTrail({
        hmacKey,
        keyRing: ring,
        store,
        chainId: `bench-${round}`,
        batchSize: 2000,
        maxQueue: PG_EVENTS * 2,
        flushIntervalMs: 5,
      });
      let start = performance.now();
      let cpu = cpuUs();
      for (let i = 0; i < PG_EVENTS; i++) {
        trail.record(event(i));
        if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve)); // requests arriving
      }
      await trail.flush();
      chained.push(PG_EVENTS / ((performance.now() - start) / 1000));
      chainedCpu.push((cpuUs() - cpu) / PG_EVENTS);

      start = performance.now();
      const verdict = await trail.verify();
      verifyRates.push(verdict.checked / ((performance.now() - start) / 1000));
      if (!verdict.valid) throw new Error('the bench chain does not verify');
      await trail.close();

      // The same rows again, appended by the store alone: no sealing, no chain.
      const copied = await store.readChain(`bench-${round}`, 0, PG_EVENTS);
      const rows: AuditRow[] = copied.map(({ id: _id, ...row }) => ({
        ...row,
        chain: `bare-${round}`,
      }));
      start = performance.now();
      cpu = cpuUs();
      for (let offset = 0; offset < rows.length; offset += 2000)
        await bareStore.append(rows.slice(offset, offset + 2000));
      bareRates.push(rows.length / ((performance.now() - start) / 1000));
      bareCpu.push((cpuUs() - cpu) / rows.length);
    }
    const memory = await memoryVerifyRate();
    const bareHmac = await bareHmacRate(store, 'bench-0');
    const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} /s`;
    return {
      server: `Postgres ${pg.version}, synchronous_commit=${settings[0]?.setting}`,
      rows: [
        [
          'Postgres: events recorded (sealed, chained, committed)',
          rate(median(chained)),
          `target ≥ 20,000 /s · app CPU ${median(chainedCpu).toFixed(1)} µs/event`,
        ],
        [
          'Postgres: the same rows appended by the store alone',
          rate(median(bareRates)),
          `app CPU ${median(bareCpu).toFixed(1)} µs/event`,
        ],
        ['`verify()` on Postgres', rate(median(verifyRates)), 'target ≥ 200,000 /s'],
        ['`verify()` on memory', rate(memory), 'target ≥ 200,000 /s'],
        ['bare `createHmac` over the same record texts (no store, no checks)', rate(bareHmac), ''],
      ],
    };
  } finally {
    for (const name of [schema, bareSchema]) {
      await sql`drop schema if exists ${sql.id(name)} cascade`.execute(pg.db);
    }
    await pg.close();
  }
}

/** The floor under any verify: one HMAC-SHA256 per record text, nothing else. */
async function bareHmacRate(store: PostgresAuditStore, chain: string): Promise<number> {
  const texts = (await store.readChain(chain, 0, PG_EVENTS)).map((row) => row.body);
  const key = randomBytes(32);
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    let prev = '0'.repeat(64);
    for (const text of texts)
      prev = createHmac('sha256', key).update(prev, 'hex').update(text).digest('hex');
    rates.push(texts.length / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

async function memoryVerifyRate(): Promise<number> {
  const trail = createAuditTrail({
    hmacKey: randomBytes(32),
    keyRing: keyRing(),
    store: new MemoryAuditStore({ maxRecords: 1_000_000 }),
    batchSize: 5000,
    maxQueue: PG_EVENTS * 2,
  });
  for (let i = 0; i < PG_EVENTS; i++) trail.record(event(i));
  await trail.flush();
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    const verdict = await trail.verify();
    rates.push(verdict.checked / ((performance.now() - start) / 1000));
  }
  await trail.close();
  return median(rates);
}

/** A login route that records and alerts on a critical event per request (dedup off). */
async function loginApp(webhookUrl: string | undefined) {
  const trail = createAuditTrail({ hmacKey: randomBytes(32), keyRing: keyRing() });
  const alerts = createAlerter({
    dedupWindowMs: 0,
    sinks:
      webhookUrl === undefined
        ? []
        : [
            webhookAlertSink({
              url: webhookUrl,
              secret: `whsec_${randomBytes(32).toString('base64')}`,
              timeoutMs: 30_000,
              retries: 0,
            }),
          ],
    onError: () => {},
  });
  const app = Fastify();
  let i = 0;
  app.post('/login', async () => {
    const critical = {
      type: 'ACCOUNT_LOCKED',
      severity: 'critical' as const,
      userId: `u${i++}`,
      ip: '192.0.2.1',
    };
    trail.record(critical);
    alerts.observe(critical);
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    trail,
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/login`,
  };
}

async function hangingWebhookRow(): Promise<string[][]> {
  const hanging = createServer(() => {}); // accepts, reads, never answers: 30 s per attempt
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`;
  const quiet = await loginApp(undefined);
  const hung = await loginApp(hook);
  const samples = { quiet: [] as number[], hung: [] as number[] };
  for (let round = 0; round < ROUNDS * 2; round++) {
    for (const [name, target] of [
      ['quiet', quiet],
      ['hung', hung],
    ] as const) {
      for (let n = 0; n < LOGINS / 2; n++) {
        const start = performance.now();
        const response = await fetch(target.url, { method: 'POST' });
        await response.text();
        samples[name].push(performance.now() - start);
      }
    }
  }
  for (const target of [quiet, hung]) {
    await target.app.close();
    await target.trail.close();
  }
  hanging.closeAllConnections();
  hanging.close();
  const pct = (values: number[], p: number) =>
    [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * p)] as number;
  const row = (name: string, values: number[]) => [
    name,
    `${median(values).toFixed(3)} ms`,
    `p99 ${pct(values, 0.99).toFixed(3)} ms`,
  ];
  return [
    row('login, alert webhook receiver hanging 30 s', samples.hung),
    row('login, no alert sink', samples.quiet),
  ];
}

async function main(): Promise<void> {
  const build = describeBuild('packages/audit');
  if (build.stale) console.warn(`⚠ ${build.line}`);
  const pinning = pinSelf(chooseBenchCpu());
  const load = loadAtStart();
  const enqueue = await enqueueRow();
  const postgres = await postgresRows();
  const webhook = await hangingWebhookRow();
  const table = markdownTable(
    ['row', 'median', 'note'],
    [...enqueue, ...postgres.rows, ...webhook],
  );
  console.log(table);
  const section = [
    '## Audit: enqueue, Postgres, verify, a hanging alert receiver',
    '',
    `Run ${runDate()} · ${describeMachine({ postgres: postgres.server })}  `,
    `Code: ${build.line}  `,
    `Pinning: ${pinning} · load at start ${load}  `,
    `Method: ${ROUNDS} rounds each, medians. Enqueue: ${ENQUEUE_EVENTS.toLocaleString('en-US')} \`record()\` calls a round (the writer drains untimed between rounds). Postgres: ${PG_EVENTS.toLocaleString('en-US')} events a round arriving 1 000 per event-loop turn, 1 000 users (personal fields sealed per user), batches of 2 000, each one statement and one commit, timed from the first \`record()\` to \`flush()\` resolved; then \`verify()\` streams every chain of the store, the rounds' so far (5 000 rows a page, two pages read ahead; on Postgres the filter columns are compared with the record text in the query). Login: sequential POSTs to a Fastify route recording a critical event and raising an alert each (dedup off), interleaved 50/50 with the same route without a sink.`,
    '',
    table,
  ].join('\n');
  // One short round is a smoke run: its figures never replace the section.
  if (QUICK) {
    console.log(`\nBENCH_QUICK: the audit section of ${BENCHMARKS_DOC} was left as it is`);
    return;
  }
  writeSection(BENCHMARKS_DOC, 'audit', section);
  console.log(`\nWrote the audit section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
