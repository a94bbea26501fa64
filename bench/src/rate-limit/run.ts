/**
 * Benchmark: `@rampart/rate-limit` beside express-rate-limit, @fastify/rate-limit and
 * rate-limiter-flexible, in one run: in-process checks on memory, checks on Redis (with the
 * round trips per check counted by Redis), and HTTP with the server pinned to one core. Writes
 * the `rate-limit` section of docs/benchmarks.md.
 * Run alone: `pnpm build && pnpm --filter @rampart/bench bench:rate-limit`
 * (`BENCH_ONLY=memory,redis,postgres,fastify,express` for a subset, `BENCH_QUICK=1` to check it runs).
 */
import { cpus } from 'node:os';
import { type BenchPostgres, connectPostgres } from '../backends/postgres.js';
import { type BenchRedis, connectRedis } from '../backends/redis.js';
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { type PinnedGroup, pinSelf, restoreOnExit } from '../harness/pinning.js';
import { describeMode, type ResultRow, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved, type Variant } from '../harness/runner.js';
import {
  HTTP_IN_FLIGHT,
  type HttpServer,
  httpVariants,
  serversCpuNs,
  startServer,
  stopServers,
} from './http-variants.js';
import {
  dropPostgres,
  POSTGRES_FLEXIBLE,
  POSTGRES_OURS,
  POSTGRES_OURS_KYSELY,
  POSTGRES_OURS_ONE,
  POSTGRES_SHARED_ROW,
  POSTGRES_STATEMENT,
  POSTGRES_UPSERT,
  postgresVariants,
  preparePostgres,
} from './postgres-variants.js';
import {
  MEMORY_ERL,
  MEMORY_FLEXIBLE,
  MEMORY_OURS,
  MEMORY_STORE,
  memoryVariants,
  REDIS_FLEXIBLE,
  REDIS_OURS,
  redisCommandsPerCheck,
  redisVariants,
} from './variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };
const CONCURRENT: Mode = { kind: 'concurrent', inFlight: 50 };
const HTTP: Mode = { kind: 'concurrent', inFlight: HTTP_IN_FLIGHT };
/** HTTP rounds are this many times longer than in-process ones. */
const HTTP_ROUND_FACTOR = 6;

interface SuiteResult {
  title: string;
  mode: Mode;
  rows: ResultRow[];
}

const only = process.env.BENCH_ONLY?.toLowerCase().split(',');
const wanted = (suite: string) => only === undefined || only.includes(suite);

async function main(): Promise<void> {
  const lengths = runLengths();
  const cores = cpus().length;
  // The servers get the last core; the bench (and its load clients) another one.
  const serverCpu = cores > 1 ? cores - 1 : undefined;
  const benchCpu = cores > 1 ? 0 : undefined;
  const pinning = [pinSelf(benchCpu)];
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  const results: SuiteResult[] = [];
  const notes: string[] = [];
  const run = async (
    title: string,
    variants: Variant[],
    mode: Mode,
    serverCpuNs?: () => number,
    roundFactor = 1,
  ) => {
    console.log(`\n${title}: ${describeMode(mode)}`);
    for (const variant of variants) {
      if (!(await variant.op(1e12)))
        throw new Error(`${variant.name}: a check that must pass did not`);
    }
    // Warm-up scales with the rounds: a server's JIT needs requests, not milliseconds.
    const roundMs = lengths.roundMs * roundFactor;
    const warmupMs = lengths.warmupMs * roundFactor;
    const rows = summarizeRuns(
      await runInterleaved(variants, { ...lengths, roundMs, warmupMs, mode, serverCpuNs }),
    );
    const { header, body } = rowsToTable(rows);
    console.log(markdownTable(header, body));
    results.push({ title, mode, rows });
    return rows;
  };
  let redis: BenchRedis | undefined;
  let postgres: BenchPostgres | undefined;
  const servers: HttpServer[] = [];
  try {
    if (wanted('memory')) {
      const rows = await run('Memory, in process', memoryVariants(), SEQUENTIAL);
      const rate = (name: string) => rows.find((row) => row.name === name)?.opsPerSec ?? Number.NaN;
      notes.push(
        `- Memory, store only: MemoryRateLimitStore does **${(rate(MEMORY_STORE) / rate(MEMORY_ERL)).toFixed(2)}×** the checks/s of express-rate-limit's MemoryStore.increment and **${(rate(MEMORY_STORE) / rate(MEMORY_FLEXIBLE)).toFixed(2)}×** those of RateLimiterMemory.`,
        `- Memory: ${MEMORY_OURS} does **${(rate(MEMORY_OURS) / rate(MEMORY_FLEXIBLE)).toFixed(2)}×** the checks/s of RateLimiterMemory (target ≥ 1.5×) and **${(rate(MEMORY_OURS) / rate(MEMORY_ERL)).toFixed(2)}×** those of express-rate-limit's MemoryStore (target ≥ 1×).`,
      );
    }
    if (wanted('redis')) {
      redis = await connectRedis();
      const group = serverCpu === undefined ? undefined : redis.pin(serverCpu);
      if (group) pinned.push(group);
      pinning.push(group?.description ?? 'redis-server not pinned');
      const prefix = `rampart-bench:rate-limit:${process.pid}:`;
      const trips = await redisCommandsPerCheck(redis, `${prefix}count:`);
      notes.push(
        `- Redis: **${trips.perCheck.toFixed(2)} round trip (EVALSHA) per check** of a two-policy route, counted with INFO commandstats (${trips.commands}; the HMGET/HSET/PEXPIRE run inside the script); ioredis auto-pipelining off.`,
      );
      for (const mode of [SEQUENTIAL, CONCURRENT]) {
        const rows = await run('Redis', redisVariants(redis, prefix), mode, redis.cpuNs);
        const ours = rows.find((row) => row.name === REDIS_OURS);
        const peer = rows.find((row) => row.name === REDIS_FLEXIBLE);
        if (ours && peer)
          notes.push(
            `- Redis, ${describeMode(mode)}: two policies at **${(ours.opsPerSec / peer.opsPerSec).toFixed(2)}×** the throughput of RateLimiterRedis with one (target ≥ 1× at 50 in flight).`,
          );
      }
      await deleteKeys(redis, prefix);
    }
    if (wanted('postgres')) {
      postgres = await connectPostgres();
      const group = serverCpu === undefined ? undefined : postgres.pin(serverCpu);
      if (group) pinned.push(group);
      pinning.push(group?.description ?? 'postgres not pinned');
      const schema = `rampart_bench_rl_${process.pid}`;
      await preparePostgres(postgres, schema);
      await postgres.openAllConnections();
      try {
        for (const mode of [SEQUENTIAL, CONCURRENT]) {
          const rows = await run(
            'Postgres',
            await postgresVariants(postgres, schema),
            mode,
            postgres.cpuNs,
          );
          notes.push(...postgresNotes(rows, describeMode(mode)));
        }
      } finally {
        await dropPostgres(postgres, schema);
      }
    }
    for (const framework of ['fastify', 'express'] as const) {
      if (!wanted(framework)) continue;
      const names = [`${framework}-bare`, `${framework}-peer`, `${framework}-ours`];
      names.push(framework === 'fastify' ? 'fastify-ours-legacy' : 'express-noop');
      const started = await Promise.all(names.map((name) => startServer(name, serverCpu)));
      servers.push(...started);
      for (const server of started) if (server.pinned) pinned.push(server.pinned);
      pinning.push(`${framework} servers → cpu ${serverCpu ?? 'unpinned'}`);
      const peerName = framework === 'fastify' ? '@fastify/rate-limit' : 'express-rate-limit';
      const labels = {
        [`${framework}-bare`]: { name: `${framework} (no limiter)` },
        [`${framework}-peer`]: {
          name: `${framework} + ${peerName}`,
          baseline: `${framework} (no limiter)`,
        },
        [`${framework}-ours`]: {
          name: `${framework} + @rampart/rate-limit`,
          baseline: `${framework} (no limiter)`,
        },
        'express-noop': {
          name: 'express + a middleware that only calls next()',
          baseline: 'express (no limiter)',
        },
        'fastify-ours-legacy': {
          name: 'fastify + @rampart/rate-limit, X-RateLimit-* headers only',
          baseline: 'fastify (no limiter)',
        },
      };
      const rows = await run(
        `HTTP, ${framework}, server on one core`,
        httpVariants(started, labels),
        HTTP,
        serversCpuNs(started),
        // A request costs ~100× a check: longer rounds, so each holds enough requests.
        HTTP_ROUND_FACTOR,
      );
      const rowOf = (server: string) =>
        rows.find((row) => row.name === labels[server]?.name) as ResultRow;
      const bare = rowOf(`${framework}-bare`);
      const peer = rowOf(`${framework}-peer`);
      const ours = rowOf(`${framework}-ours`);
      const cpu = (row: ResultRow) => row.serverCpuUsPerOp ?? Number.NaN;
      if (framework === 'fastify') {
        const added = cpu(ours) - cpu(bare);
        const legacyAdded = cpu(rowOf('fastify-ours-legacy')) - cpu(bare);
        const peerAdded = cpu(peer) - cpu(bare);
        notes.push(
          `- Fastify: our plugin adds **${added.toFixed(2)} µs** of server CPU per request with its default headers (the two IETF fields) and **${legacyAdded.toFixed(2)} µs** with the three X-RateLimit-* headers @fastify/rate-limit sends; @fastify/rate-limit adds ${peerAdded.toFixed(2)} µs: **${(added / peerAdded).toFixed(2)}×** and **${(legacyAdded / peerAdded).toFixed(2)}×** (target ≤ 0.75×); bare Fastify ${cpu(bare).toFixed(2)} µs.`,
        );
      } else {
        const noop = rowOf('express-noop');
        // Req/s as a share of bare Express's, paired round by round (1 ÷ the median time ratio,
        // as the table's ratio column): a ratio of two medians keeps the drift between rounds
        // that pairing cancels, and one run of these servers drifts by ±10 %.
        const share = (row: ResultRow) => (100 / (row.ratio ?? Number.NaN)).toFixed(1);
        const medians = (row: ResultRow) => ((100 * row.opsPerSec) / bare.opsPerSec).toFixed(1);
        notes.push(
          `- Express: with our middleware **${share(ours)}%** of bare Express's req/s, paired by round (target ≥ 93%; ${medians(ours)}% from the medians), express-rate-limit ${share(peer)}% (${medians(peer)}%), a middleware that only calls next() ${share(noop)}% (${medians(noop)}%).`,
        );
      }
      stopServers(started);
    }
    const section = [
      '## Rate limiting',
      '',
      `Run ${runDate()} · ${describeMachine({ ...(redis ? { Redis: redis.version } : {}), ...(postgres ? { PostgreSQL: postgres.version } : {}) })}  `,
      `Pinning: ${pinning.join('; ')}  `,
      `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant after ${lengths.warmupMs} ms of warm-up; every op is one check of one of 1024 clients (or one HTTP request on a keep-alive connection, ${HTTP_IN_FLIGHT} in flight), against limits no run reaches; medians over rounds (HTTP rounds and warm-up ${HTTP_ROUND_FACTOR}× longer). HTTP server CPU is read from /proc for the server process alone.`,
      '',
      ...notes,
      '',
      ...results.flatMap(({ title, mode, rows }) => {
        const { header, body } = rowsToTable(rows);
        return [`### ${title}, ${describeMode(mode)}`, '', markdownTable(header, body), ''];
      }),
    ].join('\n');
    console.log(`\n${notes.join('\n')}`);
    if (only === undefined) {
      writeSection(BENCHMARKS_DOC, 'rate-limit', section);
      console.log(`\nWrote the rate-limit section of ${BENCHMARKS_DOC}`);
    }
  } finally {
    stopServers(servers);
    restore();
    await redis?.close();
    await postgres?.close();
  }
}

/** The Postgres ratio lines: ours against RateLimiterPostgres, and where a check's time goes. */
function postgresNotes(rows: readonly ResultRow[], mode: string): string[] {
  const row = (name: string) => rows.find((r) => r.name === name);
  const [upsert, statement, peer, one, two, kysely] = [
    POSTGRES_UPSERT,
    POSTGRES_STATEMENT,
    POSTGRES_FLEXIBLE,
    POSTGRES_OURS_ONE,
    POSTGRES_OURS,
    POSTGRES_OURS_KYSELY,
  ].map(row);
  const shared = row(POSTGRES_SHARED_ROW);
  if (!(upsert && statement && peer && one && two && kysely && shared)) return [];
  const times = (ours: ResultRow) => (ours.opsPerSec / peer.opsPerSec).toFixed(2);
  // Paired round by round, as the table's ratio column (1 ÷ the median time ratio).
  const paired = (ours: ResultRow) => (1 / (ours.ratio ?? Number.NaN)).toFixed(2);
  const server = (r: ResultRow) => r.serverCpuUsPerOp?.toFixed(1) ?? '–';
  return [
    `- Postgres, ${mode}: one policy at **${times(one)}×** the throughput of RateLimiterPostgres with one (target ≥ 1×; ${paired(one)}× paired by round), two policies at **${times(two)}×** (target ≥ 0.8×; ${paired(two)}× paired); server CPU ${server(one)} µs and ${server(two)} µs per check vs ${server(peer)} µs (store given its pg \`pool\`; through Kysely alone one policy runs at ${times(kysely)}×, ${server(kysely)} µs).`,
    `- Postgres, ${mode}, where a two-policy check's time goes: bare one-counter upsert ${upsert.usPerOp.toFixed(0)} µs (server CPU ${server(upsert)} µs) → the store's statement sent raw ${statement.usPerOp.toFixed(0)} µs (${server(statement)} µs) → the store behind the limiter ${two.usPerOp.toFixed(0)} µs (${server(two)} µs); a hand-written upsert of a two-policy-wide row ${shared.usPerOp.toFixed(0)} µs (${server(shared)} µs, ${(peer.serverCpuUsPerOp && shared.serverCpuUsPerOp ? shared.serverCpuUsPerOp / peer.serverCpuUsPerOp : Number.NaN).toFixed(2)}× the peer's).`,
  ];
}

async function deleteKeys(bench: BenchRedis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await bench.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await bench.redis.del(...keys);
  } while (cursor !== '0');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
