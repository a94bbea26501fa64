/**
 * Preloaded into the example app by login-flood.ts (`node --import tsx --import <this file>`):
 * samples the app's own event-loop delay with `monitorEventLoopDelay` between a `start` and a
 * `stop` message on the IPC channel, and answers `stop` with the percentiles in milliseconds.
 * The app itself is not changed.
 */
import { readFileSync } from 'node:fs';
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** What the probe answers to `stop`. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** Milliseconds the loop spent running code (not waiting for I/O) while sampled. */
  activeMs: number;
  /** Milliseconds sampled. */
  elapsedMs: number;
  /**
   * CPU milliseconds of the main thread while sampled (Linux; NaN elsewhere). Below `activeMs`
   * when other processes kept the thread off the CPU: the delay was the machine's, not the app's.
   */
  loopCpuMs: number;
}

/** CPU nanoseconds the main thread has run, from /proc (its thread id is the process id). */
function mainThreadCpuNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

const histogram = monitorEventLoopDelay({ resolution: 1 });
const ms = (ns: number) => ns / 1e6;
let startedAt: EventLoopUtilization | undefined;
let startedCpuNs = Number.NaN;

process.on('message', (message) => {
  if (message === 'start') {
    histogram.reset();
    histogram.enable();
    startedAt = performance.eventLoopUtilization();
    startedCpuNs = mainThreadCpuNs();
    process.send?.('started');
  } else if (message === 'stop') {
    histogram.disable();
    const utilization = performance.eventLoopUtilization(startedAt);
    const loopCpuMs = ms(mainThreadCpuNs() - startedCpuNs);
    const delay: LoopDelay = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      samples: histogram.count,
      activeMs: utilization.active,
      elapsedMs: utilization.active + utilization.idle,
      loopCpuMs,
    };
    process.send?.(delay);
  }
});
// The channel must not keep a stopping app alive.
process.channel?.unref();
