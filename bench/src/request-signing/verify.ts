/**
 * Benchmark: verifying a signed request with a 1 KiB body on the memory store, beside a bare
 * HMAC-SHA256 + timingSafeEqual loop and the `http-message-signatures` package's HMAC verify, in
 * one interleaved run. Writes the `request-signing` section of docs/benchmarks.md.
 * Run alone: `pnpm --filter @rampart/bench exec tsx src/request-signing/verify.ts`
 * (after `pnpm build`; `BENCH_QUICK=1` only checks that it runs).
 */
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, pinSelf } from '../harness/pinning.js';
import { describeMode, type ResultRow, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved } from '../harness/runner.js';
import {
  BARE,
  OURS_RFC,
  OURS_V1,
  PEER,
  PEER_DIGEST,
  POOL_SIZE,
  requestSigningVariants,
} from './variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };

function row(rows: readonly ResultRow[], name: string): ResultRow {
  const found = rows.find((r) => r.name === name);
  if (!found) throw new Error(`no row ${name}`);
  return found;
}

/** Throughput of `a` as a share of `b`'s, from the medians. */
function share(rows: readonly ResultRow[], a: string, b: string): number {
  return row(rows, a).opsPerSec / row(rows, b).opsPerSec;
}

async function main(): Promise<void> {
  const lengths = runLengths();
  const pinning = pinSelf(chooseBenchCpu());
  console.log(`Pinning: ${pinning}`);
  const variants = await requestSigningVariants();
  for (const variant of variants) {
    await variant.beforeRound?.();
    if ((await variant.op(1)) !== true) throw new Error(`${variant.name}: a valid request failed`);
  }
  console.log(`\nVerify a signed request, 1 KiB body: ${describeMode(SEQUENTIAL)}`);
  const rows = summarizeRuns(await runInterleaved(variants, { ...lengths, mode: SEQUENTIAL }));
  const { header, body } = rowsToTable(rows);
  const table = markdownTable(header, body);
  console.log(table);

  const targets = [
    [OURS_V1, BARE, 0.8],
    [OURS_V1, PEER, 1],
    [OURS_RFC, PEER, 1],
  ] as const;
  const lines = targets.map(([a, b, min]) => {
    const value = share(rows, a, b);
    const verdict = value >= min ? 'met' : '**not met**';
    return `- ${a}: **${(value * 100).toFixed(0)}%** of the throughput of ${b} (target ≥ ${min * 100}%, ${verdict})`;
  });
  console.log(`\n${lines.join('\n')}`);
  console.log(`(${PEER_DIGEST} is shown for the same work as ours: it checks the body too.)`);

  const section = [
    '## Request signing: verify one request',
    '',
    `Run ${runDate()} · ${describeMachine()}  `,
    `Pinning: ${pinning}  `,
    `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant, after ${lengths.warmupMs} ms of warm-up; sequential; a 1 KiB JSON body; ${POOL_SIZE.toLocaleString('en-US')} requests signed before the run (a pool that stays in the CPU caches, as a just-parsed request does), one verifier for the run whose memory nonce store is replaced at each pass over the pool, so no nonce repeats; medians over rounds.`,
    '',
    ...lines,
    '',
    markdownTable(header, body),
    '',
    `The bare loop computes HMAC-SHA256 of the body with \`createHmac\` and compares with \`timingSafeEqual\`: no parsing, no window, no replay store. Ours parses the four headers strictly, checks the window, hashes the body, computes the HMAC of the signing string and claims the nonce, through \`verify\`'s synchronous twin as the Express and Fastify adapters call it (no promise on the memory store); the row after it is the same work through \`verify()\`, which answers with a promise. \`http-message-signatures\` verifies the signature only (no nonce store); the last row adds the Content-Digest check it leaves to the caller.`,
  ].join('\n');
  writeSection(BENCHMARKS_DOC, 'request-signing', section);
  console.log(`\nWrote the request-signing section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
