/**
 * Benchmark: `@rampart/sessions` beside express-session (MemoryStore) and @fastify/session, over
 * HTTP with every server pinned to one core, interleaved in one run; and the Redis round trips of
 * an authenticated request, counted by Redis (INFO commandstats). Writes the `sessions` section
 * of docs/benchmarks.md.
 * Run alone: `pnpm --filter @rampart/sessions build && pnpm --filter @rampart/bench bench:sessions`
 * (`BENCH_ONLY=redis,express,fastify` for a subset, `BENCH_QUICK=1` to check it runs).
 */
import { cpus } from 'node:os';
import { createSessions } from '@rampart/sessions';
import { RedisSessionStore } from '@rampart/sessions/redis';
import type { Redis } from 'ioredis';
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { type PinnedGroup, pinSelf, restoreOnExit } from '../harness/pinning.js';
import { describeMode, type ResultRow, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved } from '../harness/runner.js';
import {
  HTTP_IN_FLIGHT,
  httpVariants,
  serversCpuNs,
  stopServers,
} from '../rate-limit/http-variants.js';
import { BENCH_USER_AGENT } from './announce.js';
import { type SessionServer, startSessionServer } from './http-variants.js';
import { startPrivateRedis } from './private-redis.js';

const HTTP: Mode = { kind: 'concurrent', inFlight: HTTP_IN_FLIGHT };
/** HTTP rounds are this many times longer than in-process ones, as in the rate-limit bench. */
const HTTP_ROUND_FACTOR = 6;
const only = process.env.BENCH_ONLY?.toLowerCase().split(',');
const wanted = (suite: string) => only === undefined || only.includes(suite);

function parseCommandStats(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm))
    calls.set(match[1] as string, Number(match[2]));
  return calls;
}

/**
 * Commands Redis ran for `requests` authenticated requests, and the round trips (EVALSHA/EVAL
 * calls) per request, with the idle clock refreshed every `touchSeconds` (0: on every request).
 */
async function redisRoundTrips(redis: Redis, prefix: string, touchSeconds: number, requests = 200) {
  const sessions = createSessions({
    store: new RedisSessionStore({ redis, keyPrefix: prefix }),
    touchIntervalSeconds: touchSeconds,
  });
  const request = {
    method: 'GET',
    url: '/items/42',
    headers: { 'user-agent': BENCH_USER_AGENT } as Record<string, string>,
    ip: '127.0.0.1',
  };
  const { setCookie } = await sessions.create('bench-user', request);
  const withCookie = {
    ...request,
    headers: { ...request.headers, cookie: setCookie.split(';')[0] as string },
  };
  await sessions.authenticate(withCookie); // loads the script (NOSCRIPT → EVAL) once
  const before = parseCommandStats(await redis.info('commandstats'));
  for (let i = 0; i < requests; i++) await sessions.authenticate(withCookie);
  const after = parseCommandStats(await redis.info('commandstats'));
  const deltas: string[] = [];
  for (const [command, calls] of after) {
    const delta = calls - (before.get(command) ?? 0) - (command === 'info' ? 1 : 0);
    if (delta > 0) deltas.push(`${command} ${delta}`);
  }
  const trips =
    (after.get('evalsha') ?? 0) -
    (before.get('evalsha') ?? 0) +
    (after.get('eval') ?? 0) -
    (before.get('eval') ?? 0);
  return { perRequest: trips / requests, commands: deltas.join(', ') };
}

async function main(): Promise<void> {
  const lengths = runLengths();
  const cores = cpus().length;
  // The servers get the last core; the bench and its load clients another one.
  const serverCpu = cores > 1 ? cores - 1 : undefined;
  const pinning = [pinSelf(cores > 1 ? 0 : undefined)];
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  const notes: string[] = [];
  const tables: string[] = [];
  const servers: SessionServer[] = [];
  let redisVersion: string | undefined;
  try {
    if (wanted('redis')) {
      const redis = await startPrivateRedis();
      if (redis === undefined) throw new Error('redis-server is needed to count round trips');
      try {
        redisVersion = redis.version;
        const steady = await redisRoundTrips(redis.redis, 'rampart-bench:sessions:', 60);
        const touching = await redisRoundTrips(redis.redis, 'rampart-bench:sessions:', 0);
        notes.push(
          `- Redis: **${steady.perRequest.toFixed(2)} round trip (EVALSHA) per authenticated request** (${steady.commands}), and ${touching.perRequest.toFixed(2)} with the idle clock refreshed on every request (\`touchIntervalSeconds: 0\`: ${touching.commands}); counted with INFO commandstats of a redis-server only the bench talks to, over 200 requests; the HGET/ZSCORE/ZADD run inside the script.`,
        );
      } finally {
        await redis.stop();
      }
    }
    for (const framework of ['express', 'fastify'] as const) {
      if (!wanted(framework)) continue;
      const names = [`${framework}-bare`, `${framework}-peer`, `${framework}-ours`];
      const started = await Promise.all(names.map((name) => startSessionServer(name, serverCpu)));
      servers.push(...started);
      for (const server of started) if (server.pinned) pinned.push(server.pinned);
      pinning.push(`${framework} servers → cpu ${serverCpu ?? 'unpinned'}`);
      const peerName =
        framework === 'express' ? 'express-session (MemoryStore)' : '@fastify/session';
      const peerLabel = `${framework} + ${peerName}`;
      const labels = {
        [`${framework}-bare`]: { name: `${framework} (no sessions)` },
        [`${framework}-peer`]: { name: peerLabel },
        [`${framework}-ours`]: {
          name: `${framework} + @rampart/sessions (memory)`,
          baseline: peerLabel,
        },
      };
      const variants = httpVariants(started, labels);
      for (const variant of variants) {
        if (!(await variant.op(0)))
          throw new Error(`${variant.name}: an authenticated request failed`);
      }
      const mode = HTTP;
      const title = `HTTP, ${framework}, server on one core`;
      console.log(`\n${title}: ${describeMode(mode)}`);
      const rows = summarizeRuns(
        await runInterleaved(variants, {
          ...lengths,
          roundMs: lengths.roundMs * HTTP_ROUND_FACTOR,
          warmupMs: lengths.warmupMs * HTTP_ROUND_FACTOR,
          mode,
          serverCpuNs: serversCpuNs(started),
        }),
      );
      const { header, body } = rowsToTable(rows);
      console.log(markdownTable(header, body));
      tables.push(`### ${title}, ${describeMode(mode)}`, '', markdownTable(header, body), '');
      const row = (name: string) => rows.find((candidate) => candidate.name === name) as ResultRow;
      const ours = row(labels[`${framework}-ours`]?.name as string);
      const peer = row(peerLabel);
      const target = framework === 'express' ? '≥ 1.5×' : '≥ 1×';
      notes.push(
        `- ${framework === 'express' ? 'Express' : 'Fastify'}: @rampart/sessions on memory serves **${(1 / (ours.ratio ?? Number.NaN)).toFixed(2)}×** the req/s of ${peerName} on the same route, paired by round (target ${target}; ${(ours.opsPerSec / peer.opsPerSec).toFixed(2)}× from the medians); server CPU ${ours.serverCpuUsPerOp?.toFixed(1) ?? '–'} µs vs ${peer.serverCpuUsPerOp?.toFixed(1) ?? '–'} µs per request.`,
      );
      stopServers(started);
    }
    const section = [
      '## Sessions',
      '',
      `Run ${runDate()} · ${describeMachine(redisVersion ? { Redis: redisVersion } : {})}  `,
      `Pinning: ${pinning.join('; ')}  `,
      `Method: ${lengths.rounds} interleaved rounds per variant (HTTP rounds and warm-up ${HTTP_ROUND_FACTOR}× longer than the harness default); every op is one \`GET /items/:id\` with a live session cookie on a keep-alive connection, ${HTTP_IN_FLIGHT} in flight, answered from the session (the user id); medians over rounds. Peers as their READMEs recommend (\`resave: false\`, \`saveUninitialized: false\`); ours with its defaults (binding on, the idle clock refreshed at most once a minute). Server CPU read from /proc for the server process alone.`,
      '',
      ...notes,
      '',
      ...tables,
    ].join('\n');
    console.log(`\n${notes.join('\n')}`);
    if (only === undefined) {
      writeSection(BENCHMARKS_DOC, 'sessions', section);
      console.log(`\nWrote the sessions section of ${BENCHMARKS_DOC}`);
    }
  } finally {
    stopServers(servers);
    restore();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
