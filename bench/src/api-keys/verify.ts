/**
 * Benchmark: verifying a valid API key with its per-key rate limit. Memory: ours beside
 * better-auth's api-key plugin (`verifyApiKey` on its memory adapter) and the seed's bcrypt-10
 * design, interleaved in one run. Redis: ours beside a bare `EVALSHA` of the same script, with
 * INFO commandstats counting the round trips. Postgres: the statements one verification sends.
 * Writes the `api-keys` section of docs/benchmarks.md.
 *
 * Run alone: `pnpm --filter @rampart/bench exec tsx src/api-keys/verify.ts`
 * (`BENCH_ONLY=memory,redis,postgres` for a subset, which writes no docs; `BENCH_QUICK=1` to
 * check it runs).
 */
import { randomBytes } from 'node:crypto';
import { apiKeyMigrations } from '@rampart/api-keys/postgres';
import { migrate } from '@rampart/core/postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { type BenchPostgres, connectPostgres } from '../backends/postgres.js';
import { type BenchRedis, connectRedis } from '../backends/redis.js';
import { runLengths, serverLayout } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, type PinnedGroup, pinSelf, restoreOnExit } from '../harness/pinning.js';
import { rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved, type VariantRun } from '../harness/runner.js';
import { median, pairedRatios, quantile } from '../harness/stats.js';
import { memoryVariants, NAMES, postgresSuite, redisVariants } from './variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };
const only = process.env.BENCH_ONLY?.toLowerCase().split(',');
const wanted = (suite: string) => only === undefined || only.includes(suite);

/** Median over rounds of (slower µs/op ÷ faster µs/op), with its quartiles. */
function speedup(runs: readonly VariantRun[], slower: string, faster: string): number[] {
  const usPerOp = (name: string) => {
    const run = runs.find((candidate) => candidate.variant.name === name);
    if (run === undefined) throw new Error(`no variant ${name}`);
    return run.rounds.map((round) => round.wallNs / 1000 / round.ops);
  };
  const ratios = pairedRatios(usPerOp(slower), usPerOp(faster));
  return [median(ratios), quantile(ratios, 0.25), quantile(ratios, 0.75)];
}

const times = ([m, q1, q3]: number[]) =>
  `**${(m as number).toFixed(1)}×** (quartiles ${(q1 as number).toFixed(1)}–${(q3 as number).toFixed(1)})`;

async function commandStats(redis: BenchRedis['redis']): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

/** Runs `count` verifications alone; the commands Redis served meanwhile, per verification. */
async function roundTrips(
  redis: BenchRedis['redis'],
  verify: () => Promise<unknown>,
  count: number,
): Promise<string> {
  const before = await commandStats(redis);
  for (let i = 0; i < count; i++) await verify();
  const after = await commandStats(redis);
  // Redis 7 also counts the commands a script runs; they are not round trips.
  const inScript = new Set(['hmget', 'hset']);
  const trips: string[] = [];
  const inside: string[] = [];
  let total = 0;
  for (const [name, calls] of after) {
    const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (delta <= 0) continue;
    const per = `${name} ${(delta / count).toFixed(3)}`;
    if (inScript.has(name)) inside.push(per);
    else {
      trips.push(per);
      total += delta;
    }
  }
  return `**${(total / count).toFixed(2)} round trips per verification** over ${count}, the per-key limit counted on each (${trips.join(', ')}; run inside the script: ${inside.join(', ')})`;
}

async function postgresStatements(bench: BenchPostgres): Promise<string> {
  const schema = `rampart_bench_keys_${randomBytes(4).toString('hex')}`;
  let statements = 0;
  // biome-ignore lint/suspicious/noExplicitAny: the bench's tables are created at run time
  const counted = new Kysely<any>({
    dialect: new PostgresDialect({ pool: bench.pool }),
    log: (event) => {
      if (event.level === 'query') statements++;
    },
  });
  await sql`create schema ${sql.id(schema)}`.execute(bench.db);
  try {
    await migrate(bench.db, [apiKeyMigrations], { schema });
    const suite = await postgresSuite(counted, schema);
    if (!(await suite.variant.op(0))) throw new Error('the Postgres verification failed');
    const count = 2000;
    statements = 0;
    for (let i = 0; i < count; i++) await suite.variant.op(i);
    return `**${(statements / count).toFixed(2)} statements per verification** over ${count} (Kysely's query log), the per-key limit counted on each`;
  } finally {
    await sql`drop schema ${sql.id(schema)} cascade`.execute(bench.db);
  }
}

/** Ours beside better-auth and the seed, in memory: the section's lines. */
async function benchMemory(lengths: ReturnType<typeof runLengths>): Promise<string[]> {
  const memory = await memoryVariants();
  for (const variant of memory) {
    if ((await variant.op(0)) !== true) throw new Error(`${variant.name} does not verify`);
  }
  const memoryRuns = await runInterleaved(memory, { ...lengths, mode: SEQUENTIAL });
  const memoryRows = summarizeRuns(memoryRuns);
  const memoryTable = rowsToTable(memoryRows);
  const ours = memoryRows.find((row) => row.name === NAMES.ours)?.opsPerSec ?? 0;
  const versusBetterAuth = speedup(memoryRuns, NAMES.betterAuth, NAMES.ours);
  const headline = [
    `- Ours, memory: **${Math.round(ours).toLocaleString('en-US')} verifications/s** (target ≥ 300,000, ${ours >= 300_000 ? 'met' : '**not met**'})`,
    `- Ours vs better-auth's api-key plugin: ${times(versusBetterAuth)} the throughput (target ≥ 10×, ${(versusBetterAuth[0] as number) >= 10 ? 'met' : '**not met**'})`,
    `- Ours vs the seed's bcrypt-10 design: ${times(speedup(memoryRuns, NAMES.seed, NAMES.ours))}`,
  ];
  console.log(markdownTable(memoryTable.header, memoryTable.body));
  console.log(headline.join('\n'));
  return [
    '### Memory, sequential (1 in flight)',
    '',
    ...headline,
    '',
    markdownTable(memoryTable.header, memoryTable.body),
    '',
  ];
}

async function main(): Promise<void> {
  const lengths = runLengths();
  const benchCpu = chooseBenchCpu();
  const pinning = [pinSelf(benchCpu)];
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  const servers: Record<string, string> = {};
  const sections: string[] = [];
  let redis: BenchRedis | undefined;
  let postgres: BenchPostgres | undefined;
  try {
    if (wanted('redis')) {
      try {
        redis = await connectRedis();
        servers.Redis = redis.version;
        const group =
          benchCpu === undefined || serverLayout() !== 'same' ? undefined : redis.pin(benchCpu);
        if (group) pinned.push(group);
        pinning.push(group?.description ?? 'redis-server not pinned');
      } catch (error) {
        sections.push(`Skipped: Redis (${error instanceof Error ? error.message : error})`);
      }
    }
    if (wanted('postgres')) {
      try {
        postgres = await connectPostgres();
        servers.Postgres = postgres.version;
      } catch (error) {
        sections.push(`Skipped: Postgres (${error instanceof Error ? error.message : error})`);
      }
    }
    console.log(`Pinning: ${pinning.join('; ')}`);

    if (wanted('memory')) sections.push(...(await benchMemory(lengths)));

    if (redis) {
      const suite = await redisVariants(redis);
      for (const variant of suite.variants) {
        if ((await variant.op(0)) !== true) throw new Error(`${variant.name} does not verify`);
      }
      const sentBefore = suite.commandsSent();
      const trips = await roundTrips(redis.redis, () => suite.apiKeys.verify(suite.key), 10_000);
      const sentPer = (suite.commandsSent() - sentBefore) / 10_000;
      const clientLine = `- Commands our client sent: **${sentPer.toFixed(2)} per verification** (counted on the client, unaffected by other users of the server)`;
      console.log(`Redis: ${trips}\n${clientLine}`);
      const runs = await runInterleaved(suite.variants, {
        ...lengths,
        mode: SEQUENTIAL,
        ...(redis.cpuNs ? { serverCpuNs: redis.cpuNs } : {}),
      });
      const rows = summarizeRuns(runs);
      const table = rowsToTable(rows);
      const shareOf = (name: string) =>
        (rows.find((row) => row.name === name)?.opsPerSec ?? 0) /
        (rows.find((row) => row.name === NAMES.bareRedis)?.opsPerSec ?? 1);
      const share = shareOf(NAMES.oursRedis);
      const shareLine = `- Ours: **${(share * 100).toFixed(0)}%** of the throughput of a bare EVALSHA of the same script (target ≥ 90%, ${share >= 0.9 ? 'met' : '**not met**'})`;
      const floorLine = `- The floor, that EVALSHA with only the work the security properties need around it (parse, CRC32, keyed hash, one constant-time comparison): ${(shareOf(NAMES.floorRedis) * 100).toFixed(0)}% of the bare EVALSHA`;
      console.log(markdownTable(table.header, table.body));
      console.log(`${shareLine}\n${floorLine}`);
      sections.push(
        '### Redis, sequential (1 in flight)',
        '',
        `- INFO commandstats: ${trips}`,
        clientLine,
        shareLine,
        floorLine,
        '',
        markdownTable(table.header, table.body),
        '',
      );
      await redis.redis.eval(
        `for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1`,
        0,
        `${suite.prefix}*`,
      );
    }
    if (postgres) {
      const line = await postgresStatements(postgres);
      console.log(`Postgres: ${line}`);
      sections.push('### Postgres', '', `- ${line}`, '');
    }

    if (only !== undefined) {
      console.log('\nBENCH_ONLY: docs/benchmarks.md left as it is');
      return;
    }
    writeSection(
      BENCHMARKS_DOC,
      'api-keys',
      [
        '## API-key verification',
        '',
        `Run ${runDate()} · ${describeMachine(servers)}  `,
        `Pinning: ${pinning.join('; ')}  `,
        `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant after ${lengths.warmupMs} ms of warm-up; one valid key verified repeatedly, its per-key rate limit counted every time (ours: a fixed window of 1e9 an hour; better-auth: its default per-key limit with rateLimitMax 1e9); the seed verifies a bcrypt cost-10 hash after a scan of 100 rows for the 8-character prefix. Medians over rounds; speedups paired per round.`,
        '',
        ...sections,
      ].join('\n'),
    );
    console.log(`\nWrote the api-keys section of ${BENCHMARKS_DOC}`);
  } finally {
    restore();
    await redis?.close();
    await postgres?.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
