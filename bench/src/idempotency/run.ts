/**
 * Benchmark: `@rampart/idempotency` in one run: the Redis round trips of a first request and of a
 * replay (counted by Redis, INFO commandstats), and HTTP throughput on the memory store beside the
 * same route without the middleware, each server pinned to one core. Writes the `idempotency`
 * section of docs/benchmarks.md.
 * Run alone: `pnpm --filter @rampart/bench bench:idempotency`
 * (`BENCH_ONLY=redis,express,fastify` for a subset, `BENCH_QUICK=1` to check it runs).
 */
import { cpus } from 'node:os';
import { type BenchRedis, connectRedis } from '../backends/redis.js';
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { type PinnedGroup, pinSelf, restoreOnExit } from '../harness/pinning.js';
import { describeMode, type ResultRow, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved, type Variant } from '../harness/runner.js';
import {
  clientOf,
  HTTP_IN_FLIGHT,
  type PostServer,
  serversCpuNs,
  startServer,
  stopServers,
} from './http-variants.js';
import type { PostLoadClient } from './post-client.js';
import { redisRoundTrips } from './redis-round-trips.js';

const HTTP: Mode = { kind: 'concurrent', inFlight: HTTP_IN_FLIGHT };
/** HTTP rounds are this many times longer than in-process ones. */
const HTTP_ROUND_FACTOR = 6;

const only = process.env.BENCH_ONLY?.toLowerCase().split(',');
const wanted = (suite: string) => only === undefined || only.includes(suite);

interface SuiteResult {
  title: string;
  rows: ResultRow[];
}

async function main(): Promise<void> {
  const lengths = runLengths();
  const cores = cpus().length;
  const serverCpu = cores > 1 ? cores - 1 : undefined;
  const benchCpu = cores > 1 ? 0 : undefined;
  const pinning = [pinSelf(benchCpu)];
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  const notes: string[] = [];
  const results: SuiteResult[] = [];
  let redis: BenchRedis | undefined;
  const servers: PostServer[] = [];
  const clients: PostLoadClient[] = [];
  try {
    if (wanted('redis')) {
      redis = await connectRedis();
      const prefix = `rampart-bench:idempotency:${process.pid}:`;
      const { first, replay } = await redisRoundTrips(redis, prefix);
      notes.push(
        `- Redis: **${first.sentPerRequest.toFixed(2)} round trips per first request** (claim + complete) and **${replay.sentPerRequest.toFixed(2)} per replay**, the commands the store's connection sent over 200 requests each (target 2 and 1). Redis's INFO commandstats (every client's: more when another client is busy) counted ${first.perRequest.toFixed(2)} and ${replay.perRequest.toFixed(2)} EVALSHA/EVAL per request, with ${first.commands} and ${replay.commands}; the HMGET/DEL/HSET/PEXPIRE run inside the scripts.`,
      );
      await deleteKeys(redis, prefix);
    }
    for (const framework of ['express', 'fastify'] as const) {
      if (!wanted(framework)) continue;
      const bare = await startServer(`${framework}-bare`, serverCpu);
      const ours = await startServer(`${framework}-ours`, serverCpu);
      const floor = await startServer(`${framework}-floor`, serverCpu);
      servers.push(bare, ours, floor);
      for (const server of [bare, ours, floor]) if (server.pinned) pinned.push(server.pinned);
      pinning.push(`${framework} servers → cpu ${serverCpu ?? 'unpinned'}`);
      const bareName = `${framework}, the route without idempotency`;
      const firstName = `${framework} + idempotency (memory), a new key per request`;
      const replayName = `${framework} + idempotency (memory), replays of one key`;
      const noKeyName = `${framework} + idempotency (memory), no key`;
      const floorName = `${framework} + the floor (two SHA-256, a Map, the response kept), a new key per request`;
      const variantOf = async (
        name: string,
        server: PostServer,
        keys: 'fresh' | 'same' | 'none',
        expected: number,
      ): Promise<Variant> => {
        const client = await clientOf(server, keys);
        clients.push(client);
        return {
          name,
          ...(name === bareName ? {} : { baseline: bareName }),
          op: async () => (await client.post()) === expected,
        };
      };
      const variants = [
        await variantOf(bareName, bare, 'none', 201),
        await variantOf(firstName, ours, 'fresh', 201),
        await variantOf(replayName, ours, 'same', 201),
        await variantOf(noKeyName, ours, 'none', 201),
        await variantOf(floorName, floor, 'fresh', 201),
      ];
      const title = `HTTP, ${framework}, server on one core`;
      console.log(`\n${title}: ${describeMode(HTTP)}`);
      for (const variant of variants) {
        if (!(await variant.op(0))) throw new Error(`${variant.name}: the first request failed`);
      }
      const rows = summarizeRuns(
        await runInterleaved(variants, {
          ...lengths,
          roundMs: lengths.roundMs * HTTP_ROUND_FACTOR,
          warmupMs: lengths.warmupMs * HTTP_ROUND_FACTOR,
          mode: HTTP,
          serverCpuNs: serversCpuNs([bare, ours, floor]),
        }),
      );
      const { header, body } = rowsToTable(rows);
      console.log(markdownTable(header, body));
      results.push({ title, rows });
      const rowOf = (name: string) => rows.find((row) => row.name === name) as ResultRow;
      // Req/s as a share of the bare route's, paired round by round (1 ÷ the median time ratio).
      const share = (name: string) => (100 / (rowOf(name).ratio ?? Number.NaN)).toFixed(1);
      const medians = (name: string) =>
        ((100 * rowOf(name).opsPerSec) / rowOf(bareName).opsPerSec).toFixed(1);
      notes.push(
        `- ${framework === 'express' ? 'Express' : 'Fastify'}, memory store: first requests (a new key each: claim, handler, capture, complete) at **${share(firstName)}%** of the bare route's req/s, paired by round (target ≥ 90%; ${medians(firstName)}% from the medians); replays ${share(replayName)}% (${medians(replayName)}%); requests without a key ${share(noKeyName)}% (${medians(noKeyName)}%). The floor (floor.ts: the two digests, a claim in a Map and the response kept, no validation, expiry or encoding; a lower bound of any implementation's cost) at ${share(floorName)}% (${medians(floorName)}%).`,
      );
      stopServers([bare, ours, floor]);
    }
    const section = [
      '## Idempotency',
      '',
      `Run ${runDate()} · ${describeMachine(redis ? { Redis: redis.version } : {})}  `,
      `Pinning: ${pinning.join('; ')}  `,
      `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs * HTTP_ROUND_FACTOR} ms per variant after ${lengths.warmupMs * HTTP_ROUND_FACTOR} ms of warm-up; every op is one \`POST /items/:id\` with a 40-byte JSON body on a keep-alive connection (${HTTP_IN_FLIGHT} in flight), behind rampartCore, the JSON body parser and a stub authenticator on every variant; medians over rounds. Server CPU is read from /proc for the server processes alone. The memory store keeps responses 30 s in this run, so its size stays at a steady state.`,
      '',
      ...notes,
      '',
      ...results.flatMap(({ title, rows }) => {
        const { header, body } = rowsToTable(rows);
        return [`### ${title}, ${describeMode(HTTP)}`, '', markdownTable(header, body), ''];
      }),
    ].join('\n');
    console.log(`\n${notes.join('\n')}`);
    if (only === undefined) {
      writeSection(BENCHMARKS_DOC, 'idempotency', section);
      console.log(`\nWrote the idempotency section of ${BENCHMARKS_DOC}`);
    }
  } finally {
    for (const client of clients) client.close();
    stopServers(servers);
    restore();
    await redis?.close();
  }
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
