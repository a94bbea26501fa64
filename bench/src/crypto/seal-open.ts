/**
 * Benchmark: sealing a 64-byte secret and opening it again with `@rampart/crypto`'s key ring,
 * beside a bare createCipheriv/createDecipheriv loop and `@47ng/cloak` (the field encryption
 * behind prisma-field-encryption), in one interleaved run. Writes the `crypto` section of
 * docs/benchmarks.md.
 * Run alone: `pnpm --filter @rampart/bench exec tsx src/crypto/seal-open.ts`
 * (after `pnpm build`; `BENCH_QUICK=1` only checks that it runs).
 */
import { describeBuild } from '../harness/build-info.js';
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, pinSelf } from '../harness/pinning.js';
import { describeMode, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved } from '../harness/runner.js';
import { targetLines } from '../harness/targets.js';
import { BARE, cryptoVariants, OURS_BYTES, OURS_TEXT, PEER, PEER_SYNC } from './variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };

async function main(): Promise<void> {
  const lengths = runLengths();
  const build = describeBuild('packages/crypto');
  if (build.stale) console.warn(`⚠ ${build.line}`);
  const pinning = pinSelf(chooseBenchCpu());
  console.log(`Pinning: ${pinning}`);
  const variants = await cryptoVariants();
  for (const variant of variants) {
    if ((await variant.op(0)) !== true) throw new Error(`${variant.name}: the round trip failed`);
  }
  console.log(`\nSeal + open, 64 bytes: ${describeMode(SEQUENTIAL)}`);
  const rows = summarizeRuns(await runInterleaved(variants, { ...lengths, mode: SEQUENTIAL }));
  const { header, body } = rowsToTable(rows);
  const table = markdownTable(header, body);
  console.log(table);

  const lines = targetLines(rows, [
    [OURS_BYTES, BARE, 0.9],
    [OURS_BYTES, PEER, 1],
    [OURS_TEXT, PEER, 1],
    [OURS_TEXT, PEER_SYNC, 1],
  ]);
  console.log(`\n${lines.join('\n')}`);

  const section = [
    '## Crypto: seal + open a 64-byte secret',
    '',
    `Run ${runDate()} · ${describeMachine()}  `,
    `Code: ${build.line}  `,
    `Pinning: ${pinning}  `,
    `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant, after ${lengths.warmupMs} ms of warm-up; sequential; each op seals 64 bytes (a 64-character ASCII string for the string rows) with AES-256-GCM and a fresh random 96-bit IV, opens the result and checks the plaintext; medians over rounds.`,
    '',
    ...lines,
    '',
    markdownTable(header, body),
    '',
    'The bare loop is the least any AES-256-GCM round trip does: `randomBytes(12)`, `createCipheriv` with the AAD and a 16-byte tag, then `createDecipheriv` with the tag and AAD; no text format, no parsing, no key lookup. Ours takes its IVs from a 4 KiB buffer the CSPRNG refills (the breakdown row is the bare loop with that change alone) and adds the `v1.<kid>.<iv>.<ciphertext+tag>` text (base64url out, strict parsing and canonical base64url in), the key lookup by id, the AAD check and the plaintext cap. `@47ng/cloak` seals to its own `v1.aesgcm256.<fingerprint>.<iv>.<ciphertext>` text with a pre-parsed key, without AAD; its async functions wrap the same node:crypto calls in promises, and its Sync ones are shown beside them.',
  ].join('\n');
  writeSection(BENCHMARKS_DOC, 'crypto', section);
  console.log(`\nWrote the crypto section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
