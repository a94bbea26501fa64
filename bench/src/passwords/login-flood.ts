/**
 * Benchmark: a login flood on the example app (examples/api, as `pnpm example` runs it, memory
 * stores). 200 logins with wrong passwords for 200 registered accounts are sent at once over
 * real HTTP, each from its own client address (`X-Forwarded-For` through
 * `TRUSTED_PROXIES=loopback`: a distributed flood, so no per-IP limit helps and the hasher's
 * bound is what answers), while the app's own event-loop delay is sampled by loop-probe.ts.
 * Issue 14's target: p99 under 50 ms, and every request answered with 401, 503 `ERR_BUSY` or
 * 429, never a timeout. Two layouts, interleaved round by round: the app on every core (as
 * deployed) and pinned to one core with the bench on the other (the event loop and both hashing
 * threads then share one core, and the load client does not compete with them).
 * Writes the `passwords-login-flood` section of docs/benchmarks.md.
 *
 * Run alone: `pnpm --filter @rampart/bench bench:login-flood` (the app runs from the packages'
 * sources, so no build is needed; `BENCH_QUICK=1` for one round).
 */
import { cpus } from 'node:os';
import { BENCHMARKS_DOC, describeMachine, loadAtStart, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import {
  getAffinity,
  type PinnedGroup,
  pinGroup,
  pinSelf,
  restoreOnExit,
  setAffinityMask,
} from '../harness/pinning.js';
import { median } from '../harness/stats.js';
import { type FloodApp, startFloodApp } from './flood-app.js';
import { type FloodResult, flood, registerAccounts } from './flood-client.js';
import type { LoopDelay } from './loop-probe.js';

const FLOOD = 200;
const ROUNDS = process.env.BENCH_QUICK === '1' ? 1 : 5;
const FRAMEWORKS = ['fastify', 'express'] as const;
const TARGET_P99_MS = 50;

interface Layout {
  readonly name: string;
  /** Pins the app (every thread; the bench then goes to cpu 0); returns how to undo it. */
  apply(app: FloodApp): PinnedGroup | undefined;
}

const cores = cpus().length;
const LAYOUTS: readonly Layout[] = [
  { name: `all ${cores} cores`, apply: () => undefined },
  ...(cores > 1
    ? [
        {
          name: `app on cpu ${cores - 1}, bench on cpu 0`,
          apply: (app: FloodApp) => pinGroup('example app', [app.pid], cores - 1),
        },
      ]
    : []),
];

interface Row {
  framework: string;
  layout: string;
  delays: LoopDelay[];
  floods: FloodResult[];
}

async function runFramework(framework: (typeof FRAMEWORKS)[number]): Promise<Row[]> {
  const app = await startFloodApp(framework, { TRUSTED_PROXIES: 'loopback' });
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  try {
    const accounts = await registerAccounts(app.url, FLOOD);
    // Warm-up, not measured: JIT, the libuv pool's threads, the client's connections.
    await flood(app.url, accounts);
    const rows = LAYOUTS.map((layout) => ({
      framework,
      layout: layout.name,
      delays: [] as LoopDelay[],
      floods: [] as FloodResult[],
    }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, layout] of LAYOUTS.entries()) {
        const group = layout.apply(app);
        if (group !== undefined) pinned.push(group);
        const benchMask = group === undefined ? undefined : getAffinity(process.pid);
        if (group !== undefined) pinSelf(0);
        await app.startProbe();
        const result = await flood(app.url, accounts);
        const delay = await app.stopProbe();
        group?.restore();
        pinned.length = 0;
        if (benchMask !== undefined) setAffinityMask(process.pid, benchMask);
        rows[i]?.delays.push(delay);
        rows[i]?.floods.push(result);
        console.log(
          `${framework} · ${layout.name} · round ${round + 1}: p99 ${delay.p99.toFixed(1)} ms, max ${delay.max.toFixed(0)} ms, loop busy ${delay.activeMs.toFixed(0)} of ${delay.elapsedMs.toFixed(0)} ms (CPU ${delay.loopCpuMs.toFixed(0)}), ${describeStatuses(result.statuses)}`,
        );
      }
    }
    const logged = app.stderr().split('ERR_BUSY').length - 1;
    if (logged > 0) console.log(`${framework}: the app logged ${logged} ERR_BUSY causes to stderr`);
    return rows;
  } finally {
    restore();
    await app.stop();
  }
}

function describeStatuses(statuses: ReadonlyMap<string, number>): string {
  return [...statuses.entries()].map(([status, count]) => `${count} × ${status}`).join(', ');
}

/** The answers the issue allows; anything else (a timeout included) is counted as "other". */
const ANSWERED = ['401 ERR_LOGIN_FAILED', '503 ERR_BUSY', '429'] as const;

/** A row's answers over its rounds: counts of `ANSWERED`, and how many were anything else. */
function tally(row: Row): { counts: number[]; other: number } {
  const total = new Map<string, number>();
  for (const result of row.floods) {
    for (const [status, count] of result.statuses) {
      total.set(status, (total.get(status) ?? 0) + count);
    }
  }
  const counts = ANSWERED.map((name) => total.get(name) ?? 0);
  const sent = row.floods.length * FLOOD;
  return { counts, other: sent - counts.reduce((sum, count) => sum + count, 0) };
}

async function main(): Promise<void> {
  const load = loadAtStart();
  const rows: Row[] = [];
  for (const framework of FRAMEWORKS) rows.push(...(await runFramework(framework)));

  const table = markdownTable(
    [
      'app · layout',
      'loop p50 ms',
      'loop p99 ms (worst round)',
      'loop max ms',
      'loop CPU ms',
      ...ANSWERED,
      'other, timeout',
      'last answer ms',
      '503 answered in ms',
    ],
    rows.map((row) => {
      const { counts, other } = tally(row);
      return [
        `${row.framework} · ${row.layout}`,
        median(row.delays.map((d) => d.p50)).toFixed(1),
        Math.max(...row.delays.map((d) => d.p99)).toFixed(1),
        Math.max(...row.delays.map((d) => d.max)).toFixed(1),
        median(row.delays.map((d) => d.loopCpuMs)).toFixed(0),
        ...counts.map(String),
        String(other),
        median(row.floods.map((f) => f.lastAnswerMs)).toFixed(0),
        median(row.floods.map((f) => f.busyAnswerP50Ms ?? Number.NaN)).toFixed(1),
      ];
    }),
  );
  const worst = Math.max(...rows.flatMap((row) => row.delays.map((d) => d.p99)));
  const unanswered = rows.reduce((sum, row) => sum + tally(row).other, 0);
  console.log(`\n${table}`);
  writeSection(
    BENCHMARKS_DOC,
    'passwords-login-flood',
    [
      '## Login flood on the example app (argon2id behind the bounded queue)',
      '',
      `Run ${runDate()} · ${describeMachine()} · ${load}  `,
      `Method: \`pnpm example\` (memory stores, default hasher: \`concurrency\` = ${cores}, \`maxQueued\` = ${32 * cores}) on each framework; ${FLOOD} accounts registered, then ${ROUNDS} rounds per layout, interleaved, of ${FLOOD} logins with wrong passwords sent at once over HTTP (\`fetch\`, one connection each), each from its own client address (\`X-Forwarded-For\`, \`TRUSTED_PROXIES=loopback\`), so no per-IP limit applies. The app's event-loop delay is sampled inside it (\`monitorEventLoopDelay\`, 1 ms resolution, preloaded with \`--import\`) from just before the first request to the last answer. Status counts are summed over the rounds; a 503 counts only as problem+json \`ERR_BUSY\` with \`Retry-After\`. "Loop CPU" is the CPU time the app's main thread ran per round (median, from /proc): where the delays are much longer than it, other processes held the cores. "Last answer" is the median round's time from the first request sent to the last answer; "503 answered in" the median round's median time of a 503.`,
      '',
      `- Worst event-loop p99 of any round: ${worst.toFixed(1)} ms (${worst < TARGET_P99_MS ? 'within' : '**over**'} the ${TARGET_P99_MS} ms target); requests not answered with 401, 503 \`ERR_BUSY\` or 429: ${unanswered}.`,
      '',
      table,
      '',
    ].join('\n'),
  );
  console.log(`\nWrote the passwords-login-flood section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
