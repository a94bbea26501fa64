/**
 * Benchmark: a permission check of `@rampart/access-control` beside CASL's `ability.can` on the
 * same rules (the example app's role matrix), interleaved in one run. Writes the `access-control`
 * section of docs/benchmarks.md. Run alone: `pnpm --filter @rampart/bench exec tsx
 * src/access-control/check.ts` (after building core and access-control; `BENCH_QUICK=1` only
 * checks that it runs).
 */
import { describeBuild } from '../harness/build-info.js';
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, pinSelf } from '../harness/pinning.js';
import { describeMode, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved } from '../harness/runner.js';
import { targetLines, throughputShare } from '../harness/targets.js';
import { accessControlVariants, BATCH, CASL, OURS_CAN, OURS_GUARD, OURS_ROLE } from './variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };

async function main(): Promise<void> {
  const lengths = runLengths();
  const build = describeBuild('packages/access-control');
  if (build.stale) console.warn(`⚠ ${build.line}`);
  const pinning = pinSelf(chooseBenchCpu());
  console.log(`Pinning: ${pinning}`);
  const variants = accessControlVariants();
  for (const variant of variants) {
    if ((await variant.op(0)) !== true)
      throw new Error(`${variant.name}: answers differ from CASL's`);
  }
  console.log(`\nPermission checks, ${BATCH} per op: ${describeMode(SEQUENTIAL)}`);
  const rows = summarizeRuns(await runInterleaved(variants, { ...lengths, mode: SEQUENTIAL }));
  const { header, body } = rowsToTable(rows);
  const table = markdownTable(header, body);
  console.log(table);
  const perCheck = rows
    .map((row) => `- ${row.name}: **${((row.usPerOp * 1000) / BATCH).toFixed(1)} ns** per check`)
    .join('\n');
  // The target is the guard's check, what a route runs per request; the general-purpose calls
  // (which look the permission up too) are shown beside it without one.
  const lines = [
    ...targetLines(rows, [[OURS_GUARD, CASL, 10]]),
    ...[OURS_CAN, OURS_ROLE].map(
      (name) =>
        `- ${name}: ${(throughputShare(rows, name, CASL) * 100).toFixed(0)}% of the throughput of ${CASL}`,
    ),
  ];
  console.log(`\n${perCheck}\n${lines.join('\n')}`);

  const section = [
    '## Access control: one permission check',
    '',
    `Run ${runDate()} · ${describeMachine()}  `,
    `Code: ${build.line}  `,
    `Pinning: ${pinning}  `,
    `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant, after ${lengths.warmupMs} ms of warm-up; sequential; each op runs ${BATCH} checks over the example app's matrix (4 roles × 12 permissions, granted and refused, in a fixed shuffled order), each answer checked against CASL's; medians over rounds.`,
    '',
    perCheck,
    ...lines,
    '',
    table,
    '',
    "CASL gets one ability per role built once (`manage`/`all` for `*`, `manage`/resource for `resource:*`), looked up by role in a Map as ours looks up its compiled role; its `can(action, subject)` takes the action and subject already split. Ours compiles each role (inheritance and wildcards expanded over the permission catalogue) to a Set at construction, and each guard's requirement to the Set of roles granting it: the guard's per-request check (`check.grantedTo`) is one Set lookup on the caller's role (the target row); `roleGrants(role, permission)` is a Map and a Set lookup; `can` adds the AuthContext's role and the API-key scope check (none for a JWT).",
  ].join('\n');
  writeSection(BENCHMARKS_DOC, 'access-control', section);
  console.log(`\nWrote the access-control section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
