// Loaded into the example app's process by the soak (NODE_OPTIONS=--import=…/probe.mjs): every
// SOAK_SAMPLE_MS, and when sent SIGUSR2, it prints one line `SOAK_SAMPLE {json}` on stdout with
// the process's own figures, which only it can read: heap, RSS, event-loop delay, open handles,
// and the wall clock (`at`) the harness puts them on its own clock with. Plain JavaScript, so it
// loads before tsx. With --expose-gc (the soak passes it) it collects first, so the heap figure
// is what is live, not where the sawtooth of garbage happened to be.
//
// To find what grows: SOAK_HEAP_SNAPSHOTS=<dir> writes a heap snapshot at the third sample (after
// the first start-up collections) and at the last one; `node src/soak/heap-diff.mjs <first> <last>`
// lists what was added between them. A snapshot stalls the app for seconds: not for a judged run.
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

const intervalMs = Number(process.env.SOAK_SAMPLE_MS || 10_000);
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

const snapshotDir = process.env.SOAK_HEAP_SNAPSHOTS;
let samples = 0;

function snapshot(name) {
  if (snapshotDir) writeHeapSnapshot(join(snapshotDir, `soak-${process.pid}-${name}.heapsnapshot`));
}

function sample() {
  samples++;
  const loopDelayP99Ms = delay.percentile(99) / 1e6;
  const loopDelayMaxMs = delay.max / 1e6;
  delay.reset();
  // The probe's own full collection stalls the loop: kept out of the next interval's delay.
  delay.disable();
  globalThis.gc?.();
  delay.enable();
  const memory = process.memoryUsage();
  const line = {
    at: Date.now(),
    heapUsed: memory.heapUsed,
    rss: memory.rss,
    loopDelayP99Ms,
    loopDelayMaxMs,
    handles: process.getActiveResourcesInfo().length,
  };
  process.stdout.write(`SOAK_SAMPLE ${JSON.stringify(line)}\n`);
}

const timer = setInterval(() => {
  sample();
  if (samples === 3) snapshot('early');
}, intervalMs);
// The app's own lifetime decides when the process ends, never this timer.
timer.unref();
// The harness asks for a last sample when its traffic ends (a signal listener keeps no process alive).
process.on('SIGUSR2', () => {
  sample();
  snapshot('end');
});
