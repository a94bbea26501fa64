/**
 * Benchmark: `NonceStore.claim` on memory, Redis and Postgres, each beside the bare primitive it
 * wraps, sequential (one in flight) and at 50 in flight. Writes the `nonce-claim` section of
 * docs/benchmarks.md. Run: `pnpm bench` (all) or `pnpm --filter @rampart/bench bench:nonce-claim`.
 */
import { type BenchPostgres, connectPostgres } from './backends/postgres.js';
import { type BenchRedis, connectRedis } from './backends/redis.js';
import { describeBuild } from './harness/build-info.js';
import { runLengths, serverCpuFor, serverLayout } from './harness/config.js';
import { BENCHMARKS_DOC, describeMachine, loadAtStart, runDate } from './harness/machine.js';
import { markdownTable, writeSection } from './harness/markdown.js';
import { chooseBenchCpu, type PinnedGroup, pinSelf, restoreOnExit } from './harness/pinning.js';
import { describeMode, type ResultRow, rowsToTable, summarizeRuns } from './harness/report.js';
import { type Mode, runInterleaved, type Variant } from './harness/runner.js';
import {
  postgresBreakdownVariants,
  postgresClientSideVariants,
  redisBreakdownVariants,
} from './nonce-claim-breakdown-variants.js';
import {
  dropPostgres,
  memoryVariants,
  postgresVariants,
  preparePostgres,
  redisVariants,
} from './nonce-claim-variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };
const CONCURRENT: Mode = { kind: 'concurrent', inFlight: 50 };

interface Suite {
  title: string;
  variants: Variant[];
  modes: Mode[];
  serverCpuNs?: () => number;
  /** Ratio targets to report (never to assert): variant name → highest acceptable ratio. */
  targets: Record<string, number>;
  skipSemanticsCheck?: boolean;
}

interface SuiteResult {
  suite: Suite;
  mode: Mode;
  rows: ResultRow[];
}

async function tryConnect<T>(
  what: string,
  connect: () => Promise<T>,
  skipped: string[],
): Promise<T | undefined> {
  try {
    return await connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(`⚠ ${what} unreachable, its suite is skipped: ${reason}`);
    skipped.push(`${what} (unreachable: ${reason})`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const load = loadAtStart();
  const lengths = runLengths();
  const build = describeBuild();
  if (build.stale) console.warn(`⚠ ${build.line}`);
  const layout = serverLayout();
  const benchCpu = chooseBenchCpu();
  const serverCpu = serverCpuFor(layout, benchCpu);
  const pinning = [pinSelf(benchCpu)];
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);

  const skipped: string[] = [];
  const redis = await tryConnect('Redis', () => connectRedis(), skipped);
  const postgres = await tryConnect('Postgres', () => connectPostgres(), skipped);
  const servers: Record<string, string> = {};
  if (redis) servers.Redis = redis.version;
  if (postgres) servers.PostgreSQL = postgres.version;

  try {
    for (const [name, server] of [
      ['redis-server', redis],
      ['postgres', postgres],
    ] as const) {
      if (server === undefined) continue;
      const group = serverCpu === undefined ? undefined : server.pin(serverCpu);
      if (group) pinned.push(group);
      pinning.push(
        group?.description ??
          `${name} not pinned (${layout === 'none' ? 'BENCH_PIN_SERVERS=none' : 'not on this host or not permitted'})`,
      );
    }
    if (postgres) {
      await preparePostgres(postgres);
      await postgres.openAllConnections();
    }
    console.log(`Pinning: ${pinning.join('; ')}`);

    const suites = await buildSuites(redis, postgres);
    const results: SuiteResult[] = [];
    for (const suite of suites) {
      if (!suite.skipSemanticsCheck) await checkSemantics(suite);
      for (const mode of suite.modes) {
        console.log(`\n${suite.title}: ${describeMode(mode)}`);
        const runs = await runInterleaved(suite.variants, {
          ...lengths,
          mode,
          serverCpuNs: suite.serverCpuNs,
        });
        const rows = summarizeRuns(runs);
        const { header, body } = rowsToTable(rows);
        console.log(markdownTable(header, body));
        results.push({ suite, mode, rows });
      }
    }
    const section = renderSection(results, {
      machine: describeMachine(servers),
      pinning: pinning.join('; '),
      build: build.line,
      load,
      lengths: `${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant, after ${lengths.warmupMs} ms of warm-up`,
      skipped,
    });
    writeSection(BENCHMARKS_DOC, 'nonce-claim', section);
    console.log(`\nWrote the nonce-claim section of ${BENCHMARKS_DOC}`);
  } finally {
    restore();
    if (postgres) await dropPostgres(postgres).catch(() => {});
    await Promise.allSettled([redis?.close(), postgres?.close()]);
  }
}

async function buildSuites(
  redis: BenchRedis | undefined,
  postgres: BenchPostgres | undefined,
): Promise<Suite[]> {
  const suites: Suite[] = [
    // In-process: 50 in flight would only measure the microtask queue.
    { title: 'Memory', variants: memoryVariants(), modes: [SEQUENTIAL], targets: {} },
  ];
  if (redis) {
    suites.push({
      title: 'Redis',
      variants: redisVariants(redis),
      modes: [SEQUENTIAL, CONCURRENT],
      serverCpuNs: redis.cpuNs,
      targets: { 'RedisNonceStore.claim': 1.15 },
    });
  }
  if (postgres) {
    suites.push({
      title: 'Postgres',
      variants: postgresVariants(postgres),
      modes: [SEQUENTIAL, CONCURRENT],
      serverCpuNs: postgres.cpuNs,
      targets: {
        'PostgresNonceStore.claim (logged)': 1.25,
        'PostgresNonceStore.claim (unlogged)': 1.25,
      },
    });
  }
  if (redis) {
    suites.push({
      title: 'Redis breakdown',
      variants: redisBreakdownVariants(redis),
      modes: [SEQUENTIAL, CONCURRENT],
      serverCpuNs: redis.cpuNs,
      targets: {},
    });
  }
  if (postgres) {
    suites.push({
      title: 'Postgres breakdown',
      variants: await postgresBreakdownVariants(postgres),
      modes: [SEQUENTIAL, CONCURRENT],
      serverCpuNs: postgres.cpuNs,
      targets: {},
    });
    suites.push({
      title: 'Postgres client side',
      variants: await postgresClientSideVariants(postgres),
      modes: [SEQUENTIAL],
      targets: {},
      // Nothing is stored without I/O, so a repeated claim cannot be refused.
      skipSemanticsCheck: true,
    });
  }
  // BENCH_ONLY=redis,postgres runs a subset while iterating on one store.
  const only = process.env.BENCH_ONLY?.toLowerCase().split(',');
  return only ? suites.filter((suite) => only.includes(suite.title.toLowerCase())) : suites;
}

/**
 * Every variant must claim a fresh nonce and refuse it the second time; a benchmark of a
 * variant that does not do the job would be meaningless. Uses inputs far beyond the run's.
 */
async function checkSemantics(suite: Suite): Promise<void> {
  for (const variant of suite.variants) {
    const i = 1e12 + Math.floor(Math.random() * 1e9);
    const first = await variant.op(i);
    const second = await variant.op(i);
    if (first !== true || second !== false) {
      throw new Error(
        `${variant.name}: claimed twice gave ${first}, ${second}; expected true, false`,
      );
    }
  }
}

interface SectionContext {
  machine: string;
  load: string;
  build: string;
  pinning: string;
  lengths: string;
  skipped: string[];
}

function renderSection(results: readonly SuiteResult[], context: SectionContext): string {
  const lines = [
    '## NonceStore.claim',
    '',
    `Run ${runDate()} · ${context.load} · ${context.machine}  `,
    `Code: ${context.build}  `,
    `Pinning: ${context.pinning}  `,
    `Method: ${context.lengths}; unique 32-character nonces, scope \`k1\`; medians over rounds.`,
    ...context.skipped.map((s) => `Skipped: ${s}`),
    ...(process.env.BENCH_QUICK === '1'
      ? ['**BENCH_QUICK smoke run: these numbers mean nothing.**']
      : []),
    '',
  ];
  const targets: string[] = [];
  for (const { suite, mode, rows } of results) {
    for (const row of rows) {
      const max = suite.targets[row.name];
      if (max === undefined || row.ratio === undefined) continue;
      const verdict = row.ratio <= max ? 'within target' : '**over target**';
      const cpu = row.cpuRatio === undefined ? '' : `; CPU ${row.cpuRatio.toFixed(3)}×`;
      targets.push(
        `- ${row.name} vs ${row.baseline}, ${describeMode(mode)}: **${row.ratio.toFixed(3)}×** time (target ≤ ${max}×, ${verdict})${cpu}`,
      );
    }
  }
  if (targets.length > 0) lines.push('Ratios against the bare primitive:', '', ...targets, '');
  for (const { suite, mode, rows } of results) {
    const { header, body } = rowsToTable(rows);
    lines.push(`### ${suite.title}, ${describeMode(mode)}`, '', markdownTable(header, body), '');
  }
  return lines.join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
