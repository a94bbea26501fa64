/**
 * Benchmark: @rampart/passwords with the OWASP argon2id parameters (m=19456 KiB, t=2, p=1).
 * - event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while twenty hashes
 *   run at once, pinned to one core and on all cores (target: p99 under 20 ms);
 * - the cost of one hash, of a wrong-password verify and of an unknown-user verify (the dummy
 *   hash), which should match.
 * Writes the `passwords` section of docs/benchmarks.md.
 *
 * Run alone (after `pnpm build`): `pnpm --filter @rampart/bench exec tsx src/passwords/event-loop.ts`
 */
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPasswordHasher } from '@rampart/passwords';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, getAffinity, pinSelf, setAffinityMask } from '../harness/pinning.js';
import { median, quantile } from '../harness/stats.js';

const CONCURRENT = 20;
const BATCHES = 5;
const SAMPLES = 15;
const passwords = createPasswordHasher();

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
  const original = getAffinity(process.pid);
  const spread = await eventLoopUnderHashing(`all ${cpus().length} cores`);
  const benchCpu = chooseBenchCpu();
  const pinning = pinSelf(benchCpu);
  const pinnedResult = await eventLoopUnderHashing(`pinned (${pinning})`);

  const stored = await passwords.hash('the right password, long enough');
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
  console.log(`${loopTable}\n\n${costTable}`);
  const verdict = (r: LoopResult) =>
    `${r.p99.toFixed(2)} ms (${r.p99 < 20 ? 'within' : '**over**'} the 20 ms target)`;
  writeSection(
    BENCHMARKS_DOC,
    'passwords',
    [
      '## Password hashing (argon2id, m=19456 KiB, t=2, p=1)',
      '',
      `Run ${runDate()} · ${describeMachine()}  `,
      `Method: ${BATCHES} batches of ${CONCURRENT} concurrent \`hash()\` calls while \`monitorEventLoopDelay\` (1 ms resolution) samples the loop; then ${SAMPLES} sequential calls of each operation.`,
      '',
      `- Event-loop p99 delay with ${CONCURRENT} concurrent hashes: ${verdict(pinnedResult)} pinned to one core, ${verdict(spread)} on all cores.`,
      '',
      loopTable,
      '',
      costTable,
      '',
    ].join('\n'),
  );
  console.log(`\nWrote the passwords section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
