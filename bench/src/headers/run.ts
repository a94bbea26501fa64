/**
 * Benchmark: `@rampart/headers` beside helmet (Express) and @fastify/helmet (Fastify), over HTTP
 * with each server pinned to one core, interleaved in one run. The peers are configured to send
 * the same security headers as our api preset, Permissions-Policy and Cache-Control (which helmet
 * has no option for) set beside them with our values: every variant but bare sends the same bytes.
 * Writes the `headers` section of docs/benchmarks.md.
 * Run alone: `pnpm build && pnpm --filter @rampart/bench bench:headers`
 * (`BENCH_ONLY=fastify,express` for one framework, `BENCH_QUICK=1` to check it runs).
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { type PinnedGroup, pinGroup, pinSelf, restoreOnExit } from '../harness/pinning.js';
import { describeMode, type ResultRow, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved } from '../harness/runner.js';
import { LoadClient } from '../rate-limit/http-client.js';
import {
  HTTP_IN_FLIGHT,
  type HttpServer,
  httpVariants,
  serversCpuNs,
  stopServers,
} from '../rate-limit/http-variants.js';
import {
  middlewareVariants,
  NEXT_ONLY,
  OURS_ALONE,
  PEER_ALONE,
  RESPONSES_PER_OP,
} from './middleware-alone.js';

const HTTP: Mode = { kind: 'concurrent', inFlight: HTTP_IN_FLIGHT };
const SEQUENTIAL: Mode = { kind: 'sequential' };
/** HTTP rounds are this many times longer than in-process ones, as in the rate-limit bench. */
const HTTP_ROUND_FACTOR = 6;
const serverScript = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const benchDir = fileURLToPath(new URL('../..', import.meta.url));

const only = process.env.BENCH_ONLY?.toLowerCase().split(',');
const wanted = (suite: string) => only === undefined || only.includes(suite);

/** Starts one variant's server (this benchmark's script), pinned, with a load client on it. */
async function startServer(variant: string, cpu: number | undefined): Promise<HttpServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript, variant], {
    cwd: benchDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${variant} exited ${code}`)));
  });
  const pinned =
    cpu === undefined || child.pid === undefined
      ? undefined
      : pinGroup(`${variant} server`, [child.pid], cpu);
  const client = await LoadClient.open(port, HTTP_IN_FLIGHT, '/items/42');
  return { name: variant, process: child, client, pinned };
}

async function main(): Promise<void> {
  const lengths = runLengths();
  const cores = cpus().length;
  const serverCpu = cores > 1 ? cores - 1 : undefined;
  const pinning = [pinSelf(cores > 1 ? 0 : undefined)];
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  const notes: string[] = [];
  const tables: string[] = [];
  const servers: HttpServer[] = [];
  try {
    if (wanted('express')) {
      const title = `Express middleware alone, in process, ${RESPONSES_PER_OP} responses per op`;
      console.log(`\n${title}: ${describeMode(SEQUENTIAL)}`);
      const rows = summarizeRuns(
        await runInterleaved(middlewareVariants(), { ...lengths, mode: SEQUENTIAL }),
      );
      const { header, body } = rowsToTable(rows);
      console.log(markdownTable(header, body));
      tables.push(`### ${title}, ${describeMode(SEQUENTIAL)}`, '', markdownTable(header, body), '');
      const rowOf = (name: string) => rows.find((row) => row.name === name) as ResultRow;
      const base = rowOf(NEXT_ONLY);
      // CPU, not wall time: one thread, and a busy machine delays a round without adding to it.
      const added = (row: ResultRow) =>
        (row.clientCpuUsPerOp - base.clientCpuUsPerOp) / RESPONSES_PER_OP;
      const peer = rowOf(PEER_ALONE);
      const ours = rowOf(OURS_ALONE);
      notes.push(
        `- express, the middleware alone (in process, no socket): @rampart/headers adds **${added(ours).toFixed(2)} µs** of CPU per response, helmet with the same two headers beside it ${added(peer).toFixed(2)} µs; ours' CPU is ${((ours.cpuRatio ?? Number.NaN) / (peer.cpuRatio ?? Number.NaN)).toFixed(2)}× helmet's and its time ${((ours.ratio ?? Number.NaN) / (peer.ratio ?? Number.NaN)).toFixed(2)}×, paired by round (next() alone is the baseline of both).`,
      );
    }
    for (const framework of ['fastify', 'express'] as const) {
      if (!wanted(framework)) continue;
      const peerName = framework === 'fastify' ? '@fastify/helmet' : 'helmet';
      const bareName = `${framework} (no headers middleware)`;
      const labels: Record<string, { name: string; baseline?: string }> = {
        [`${framework}-bare`]: { name: bareName },
        [`${framework}-peer`]: { name: `${framework} + ${peerName}`, baseline: bareName },
        [`${framework}-ours`]: { name: `${framework} + @rampart/headers`, baseline: bareName },
        [`${framework}-ours-cors`]: {
          name: `${framework} + @rampart/headers + its CORS (no Origin sent)`,
          baseline: bareName,
        },
      };
      const started = await Promise.all(
        Object.keys(labels).map((name) => startServer(name, serverCpu)),
      );
      servers.push(...started);
      for (const server of started) if (server.pinned) pinned.push(server.pinned);
      pinning.push(`${framework} servers → cpu ${serverCpu ?? 'unpinned'}`);
      const variants = httpVariants(started, labels);
      for (const variant of variants) {
        if (!(await variant.op(1e12)))
          throw new Error(`${variant.name}: a request did not get 200`);
      }
      const title = `HTTP, ${framework}, server on one core`;
      console.log(`\n${title}: ${describeMode(HTTP)}`);
      const rows = summarizeRuns(
        await runInterleaved(variants, {
          ...lengths,
          roundMs: lengths.roundMs * HTTP_ROUND_FACTOR,
          warmupMs: lengths.warmupMs * HTTP_ROUND_FACTOR,
          mode: HTTP,
          serverCpuNs: serversCpuNs(started),
        }),
      );
      const { header, body } = rowsToTable(rows);
      console.log(markdownTable(header, body));
      tables.push(`### ${title}, ${describeMode(HTTP)}`, '', markdownTable(header, body), '');
      const rowOf = (server: string) =>
        rows.find((row) => row.name === labels[server]?.name) as ResultRow;
      const peer = rowOf(`${framework}-peer`);
      const ours = rowOf(`${framework}-ours`);
      const withCors = rowOf(`${framework}-ours-cors`);
      // Req/s ratio paired round by round: the peer's time ÷ ours in the same rounds (each
      // variant's `ratio` is its time over bare's), so drift between rounds cancels.
      const versus = (row: ResultRow) =>
        ((peer.ratio ?? Number.NaN) / (row.ratio ?? Number.NaN)).toFixed(2);
      const cpu = (row: ResultRow) => row.serverCpuUsPerOp?.toFixed(1) ?? '–';
      notes.push(
        `- ${framework}: @rampart/headers at **${versus(ours)}×** the req/s of ${peerName} (paired by round; target ≥ 1×; ${(ours.opsPerSec / peer.opsPerSec).toFixed(2)}× from the medians), with its CORS layer ${versus(withCors)}×; server CPU ${cpu(ours)} µs vs ${cpu(peer)} µs per request.`,
      );
      stopServers(started);
    }
    const section = [
      '## Security headers',
      '',
      `Run ${runDate()} · ${describeMachine()}  `,
      `Pinning: ${pinning.join('; ')}  `,
      `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs * HTTP_ROUND_FACTOR} ms per variant after ${lengths.warmupMs * HTTP_ROUND_FACTOR} ms of warm-up; one op is one GET on a keep-alive connection, ${HTTP_IN_FLIGHT} in flight; like for like: the peers are given the options of our api preset (same CSP, HSTS, frame and referrer policies) and, beside them, our Permissions-Policy and Cache-Control (helmet has no option for either), so every variant but bare sends the same headers with the same values; medians over rounds. HTTP server CPU is read from /proc for the server process alone. The in-process rows run each Express middleware on fresh responses (as Express's init left them), without socket or router.`,
      '',
      ...notes,
      '',
      ...tables,
    ].join('\n');
    console.log(`\n${notes.join('\n')}`);
    if (only === undefined) {
      writeSection(BENCHMARKS_DOC, 'headers', section);
      console.log(`\nWrote the headers section of ${BENCHMARKS_DOC}`);
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
