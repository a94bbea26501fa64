// Loaded into the example app's process by the soak (NODE_OPTIONS=--import=…/probe.mjs): every
// SOAK_SAMPLE_MS it prints one line `SOAK_SAMPLE {json}` on stdout with the process's own
// figures, which only it can read: heap, RSS, event-loop delay, open handles. Plain JavaScript,
// so it loads before tsx. With --expose-gc (the soak passes it) it collects first, so the heap
// figure is what is live, not where the sawtooth of garbage happened to be.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const intervalMs = Number(process.env.SOAK_SAMPLE_MS || 10_000);
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const startedAt = Date.now();

const timer = setInterval(() => {
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const sample = {
    elapsedMs: Date.now() - startedAt,
    heapUsed: memory.heapUsed,
    rss: memory.rss,
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    loopDelayMaxMs: delay.max / 1e6,
    handles: process.getActiveResourcesInfo().length,
  };
  delay.reset();
  process.stdout.write(`SOAK_SAMPLE ${JSON.stringify(sample)}\n`);
}, intervalMs);
// The app's own lifetime decides when the process ends, never this timer.
timer.unref();
