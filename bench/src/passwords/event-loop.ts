/**
 * Benchmark: @rampart/passwords with the OWASP argon2id parameters (m=19456 KiB, t=2, p=1).
 * - event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while twenty hashes
 *   run at once, pinned to one core and on all cores (target: p99 under 20 ms);
 * - the cost of one hash, of a wrong-password verify and of an unknown-user verify (the dummy
 *   hash), which should match;
 * - 200 wrong-password verifies at once, with the default bound (`concurrency` = the cores,
 *   `maxQueued` = 32 per core) and unbounded (as before the bound): how many are refused, when
 *   the last accepted one answers, how long an `fs.stat` (libuv's pool, as dns and zlib) waits
 *   behind them, and the loop's delay meanwhile. On every core, before the bench pins itself.
 * Writes the `passwords` section of docs/benchmarks.md.
 *
 * Run alone (after `pnpm build`): `pnpm --filter @rampart/bench exec tsx src/passwords/event-loop.ts`
 */
import { stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isRampartError } from '@rampart/core';
import { createPasswordHasher, type PasswordHasher } from '@rampart/passwords';
import { BENCHMARKS_DOC, describeMachine, loadAtStart, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, getAffinity, pinSelf, setAffinityMask } from '../harness/pinning.js';
import { median, quantile } from '../harness/stats.js';

const CONCURRENT = 20;
const BATCHES = 5;
const SAMPLES = 15;
const passwords = createPasswordHasher();
const FLOOD = 200;
const FLOOD_ROUNDS = 5;

interface LoopResult {
  layout: string;
  p50: number;
  p99: number;
  max: number;
  msPerBatch: number;
}

/** Twenty concurrent hashes, `BATCHES` times, while the loop's delay is sampled. */
async function eventLoopUnderHashing(layout: string): Promise<LoopResult> {
  await Promise.all(Array.from({ length: 4 }, (_, i) => passwords.hash(`warm-up ${i}`)));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const started = performance.now();
  histogram.enable();
  for (let batch = 0; batch < BATCHES; batch++) {
    await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => passwords.hash(`correct horse ${batch}-${i}`)),
    );
  }
  histogram.disable();
  const ms = (ns: number) => ns / 1e6;
  return {
    layout,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    msPerBatch: (performance.now() - started) / BATCHES,
  };
}

interface FloodRound {
  refused: number;
  lastAnswerMs: number;
  fsStatMs: number;
  p99: number;
}

/** `FLOOD` wrong-password verifies at once, and an `fs.stat` queued right behind them. */
async function verifyFlood(hasher: PasswordHasher, stored: string): Promise<FloodRound> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  let lastAnswerMs = 0;
  const verifies = Array.from({ length: FLOOD }, () =>
    hasher.verify(stored, 'a wrong password, long enough').then(
      () => {
        lastAnswerMs = performance.now() - started;
        return 0;
      },
      (error: unknown) => {
        if (isRampartError(error) && error.code === 'ERR_BUSY') return 1;
        throw error;
      },
    ),
  );
  const statStarted = performance.now();
  await stat(new URL(import.meta.url));
  const fsStatMs = performance.now() - statStarted;
  const refused = (await Promise.all(verifies)).reduce((sum: number, r) => sum + r, 0);
  histogram.disable();
  return { refused, lastAnswerMs, fsStatMs, p99: histogram.percentile(99) / 1e6 };
}

async function timeEach(
  label: string,
  op: () => Promise<unknown>,
): Promise<[string, number, number]> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await op();
    samples.push(performance.now() - t0);
  }
  return [label, median(samples), quantile(samples, 0.9)];
}

async function main(): Promise<void> {
  const load = loadAtStart();
  const original = getAffinity(process.pid);
  const stored = await passwords.hash('the right password, long enough');
  const bounded = passwords;
  // Every call straight into libuv's pool, as before the bound.
  const unbounded = createPasswordHasher({ concurrency: 1024, maxQueued: 0 });
  const floods: Record<'bounded' | 'unbounded', FloodRound[]> = { bounded: [], unbounded: [] };
  for (let round = 0; round < FLOOD_ROUNDS; round++) {
    floods.bounded.push(await verifyFlood(bounded, stored));
    floods.unbounded.push(await verifyFlood(unbounded, stored));
  }
  const spread = await eventLoopUnderHashing(`all ${cpus().length} cores`);
  const benchCpu = chooseBenchCpu();
  const pinning = pinSelf(benchCpu);
  const pinnedResult = await eventLoopUnderHashing(`pinned (${pinning})`);

  const costs = [
    await timeEach('hash', () => passwords.hash('a new password, long enough')),
    await timeEach('verify, wrong password', () =>
      passwords.verify(stored, 'a wrong password, long enough'),
    ),
    await timeEach('verify, unknown user (dummy hash)', () =>
      passwords.verify(undefined, 'a wrong password, long enough'),
    ),
  ];
  if (original !== undefined) setAffinityMask(process.pid, original);

  const loopTable = markdownTable(
    ['layout', 'p50 delay ms', 'p99 delay ms', 'max delay ms', 'ms per 20 hashes'],
    [spread, pinnedResult].map((r) => [
      r.layout,
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      r.max.toFixed(2),
      r.msPerBatch.toFixed(0),
    ]),
  );
  const costTable = markdownTable(
    ['operation (pinned)', 'median ms', 'p90 ms'],
    costs.map(([label, med, p90]) => [label, med.toFixed(1), p90.toFixed(1)]),
  );
  const floodTable = markdownTable(
    [
      `${FLOOD} verifies at once (all cores)`,
      'refused (503 ERR_BUSY)',
      'last answer ms',
      'fs.stat behind them ms',
      'loop p99 delay ms',
    ],
    (['bounded', 'unbounded'] as const).map((variant) => {
      const rounds = floods[variant];
      const options = variant === 'bounded' ? bounded.options : unbounded.options;
      return [
        variant === 'bounded'
          ? `bounded: concurrency ${options.concurrency}, maxQueued ${options.maxQueued}`
          : 'unbounded (before the bound)',
        median(rounds.map((r) => r.refused)).toFixed(0),
        median(rounds.map((r) => r.lastAnswerMs)).toFixed(0),
        median(rounds.map((r) => r.fsStatMs)).toFixed(1),
        median(rounds.map((r) => r.p99)).toFixed(2),
      ];
    }),
  );
  console.log(`${loopTable}\n\n${costTable}\n\n${floodTable}`);
  const verdict = (r: LoopResult) =>
    `${r.p99.toFixed(2)} ms (${r.p99 < 20 ? 'within' : '**over**'} the 20 ms target)`;
  writeSection(
    BENCHMARKS_DOC,
    'passwords',
    [
      '## Password hashing (argon2id, m=19456 KiB, t=2, p=1)',
      '',
      `Run ${runDate()} · ${describeMachine()} · ${load}  `,
      `Method: ${BATCHES} batches of ${CONCURRENT} concurrent \`hash()\` calls while \`monitorEventLoopDelay\` (1 ms resolution) samples the loop; then ${SAMPLES} sequential calls of each operation.`,
      '',
      `- Event-loop p99 delay with ${CONCURRENT} concurrent hashes: ${verdict(pinnedResult)} pinned to one core, ${verdict(spread)} on all cores.`,
      '',
      loopTable,
      '',
      costTable,
      '',
      `${FLOOD} wrong-password \`verify()\` calls at once, ${FLOOD_ROUNDS} rounds of each variant interleaved, medians. "fs.stat behind them": an \`fs.stat\` started right after the flood (libuv's thread pool, which dns and zlib share too).`,
      '',
      floodTable,
      '',
    ].join('\n'),
  );
  console.log(`\nWrote the passwords section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
