/**
 * Benchmark: heap bytes per entry of a full `MemoryNonceStore` (1,000,000 nonces, its default
 * `maxEntries`), beside a bare `Map` of the same keys. Writes the `memory-footprint` section of
 * docs/benchmarks.md. Needs `--expose-gc`: `pnpm --filter @rampart/bench bench:memory-footprint`.
 */
import { randomBytes } from 'node:crypto';
import { MemoryNonceStore } from '@rampart/core';
import { nonceKey } from '@rampart/core/store';
import { describeBuild } from './harness/build-info.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from './harness/machine.js';
import { markdownTable, writeSection } from './harness/markdown.js';
import { formatNumber } from './harness/report.js';
import { BENCH_SCOPE } from './nonces.js';

const ENTRIES = 1_000_000;
const NONCE_BYTES = 24; // 32 base64url characters
const TTL_MS = 600_000;

const gc = (globalThis as { gc?: () => void }).gc;

/** Twice: a second pass collects what the first one's finalisation freed. */
function settledHeap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * One random buffer for all nonces: its bytes live outside the JS heap (not in `heapUsed`), and
 * slicing it is ~100× faster than a `randomBytes` call per nonce on our VMs. Each nonce is made
 * on demand, so no array of a million strings sits in the heap beside the structure measured.
 */
const randomPool = randomBytes(NONCE_BYTES * ENTRIES);

function nonceOf(i: number): string {
  return randomPool.toString('base64url', i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
}

interface Measurement {
  name: string;
  bytesPerEntry: number;
  held: number;
}

async function measureStore(): Promise<Measurement> {
  const before = settledHeap();
  const store = new MemoryNonceStore({ maxEntries: ENTRIES, sweepIntervalMs: 0 });
  for (let i = 0; i < ENTRIES; i++) {
    if (!(await store.claim(BENCH_SCOPE, nonceOf(i), TTL_MS)))
      throw new Error(`nonce ${i} repeated`);
  }
  const after = settledHeap();
  const held = store.size;
  store.close();
  return { name: 'MemoryNonceStore', bytesPerEntry: (after - before) / held, held };
}

/** The floor: the same keys in a plain `Map` to an expiry number, no entry objects. */
function measureMap(): Measurement {
  const before = settledHeap();
  const map = new Map<string, number>();
  const now = Date.now();
  for (let i = 0; i < ENTRIES; i++) map.set(nonceKey(BENCH_SCOPE, nonceOf(i)), now + TTL_MS);
  const after = settledHeap();
  return {
    name: 'Map<string, number> (bare)',
    bytesPerEntry: (after - before) / map.size,
    held: map.size,
  };
}

async function main(): Promise<void> {
  if (gc === undefined)
    throw new Error(
      'memory-footprint needs node --expose-gc (use the bench:memory-footprint script)',
    );
  const results = [await measureStore()];
  settledHeap();
  results.push(measureMap());
  const rows = results.map((r) => [
    r.name,
    r.held.toLocaleString('en-US'),
    formatNumber(r.bytesPerEntry),
  ]);
  const table = markdownTable(['structure', 'entries', 'heap bytes/entry'], rows);
  console.log(table);
  const store = results[0] as Measurement;
  writeSection(
    BENCHMARKS_DOC,
    'memory-footprint',
    [
      '## MemoryNonceStore memory footprint',
      '',
      `Run ${runDate()} · ${describeMachine()}  `,
      `Code: ${describeBuild().line}  `,
      `Method: ${ENTRIES.toLocaleString('en-US')} claims of 32-character base64url nonces in scope \`${BENCH_SCOPE}\`; ` +
        '`heapUsed` after two forced GCs, minus the same before, divided by the entries held.',
      '',
      table,
      '',
      `A full store at the default \`maxEntries\` (1,000,000) holds about ` +
        `**${Math.round((store.bytesPerEntry * ENTRIES) / 1e6)} MB** of heap.`,
    ].join('\n'),
  );
  console.log(`Wrote the memory-footprint section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
