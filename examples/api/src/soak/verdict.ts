import type { SoakReport, SoakSample } from './run-soak.js';

/** What a soak shows against its bar: flat memory after warm-up, no 5xx, no accepted attack. */
export interface SoakVerdict {
  readonly warmupMs: number;
  readonly heapAfterWarmup: number;
  readonly heapAtEnd: number;
  readonly rssAfterWarmup: number;
  readonly rssAtEnd: number;
  /** End over after-warm-up, minus one: 0.05 is 5% more at the end. */
  readonly heapChange: number;
  readonly rssChange: number;
  /** The worst per-interval p99 of event-loop delay after warm-up, in ms. */
  readonly loopDelayP99Ms: number;
  readonly serverErrors: number;
  readonly acceptedAttacks: number;
  /** Heap and RSS within `tolerance` of their after-warm-up value, no 5xx, no accepted attack. */
  readonly passed: boolean;
}

/** The part of a run treated as warm-up: the first fifth (JIT, pools, first GCs). */
export const WARMUP_SHARE = 0.2;
/** How far heap and RSS may move between warm-up and the end. */
export const FLAT_TOLERANCE = 0.1;

function mean(samples: readonly SoakSample[], pick: (sample: SoakSample) => number): number {
  return samples.reduce((sum, sample) => sum + pick(sample), 0) / Math.max(1, samples.length);
}

/**
 * Judges a soak. Heap is read as the mean of three samples (one sample lands before or after a
 * collection by chance): the three after warm-up against the last three.
 */
export function judgeSoak(report: SoakReport): SoakVerdict {
  const warmupMs = report.options.durationMs * WARMUP_SHARE;
  const after = report.samples.filter((sample) => sample.elapsedMs >= warmupMs);
  const first = after.slice(0, 3);
  const last = after.slice(-3);
  const heapAfterWarmup = mean(first, (sample) => sample.heapUsed);
  const heapAtEnd = mean(last, (sample) => sample.heapUsed);
  const rssAfterWarmup = mean(first, (sample) => sample.rss);
  const rssAtEnd = mean(last, (sample) => sample.rss);
  const heapChange = heapAtEnd / heapAfterWarmup - 1;
  const rssChange = rssAtEnd / rssAfterWarmup - 1;
  const { serverErrors, acceptedAttacks } = report.tally;
  return {
    warmupMs,
    heapAfterWarmup,
    heapAtEnd,
    rssAfterWarmup,
    rssAtEnd,
    heapChange,
    rssChange,
    loopDelayP99Ms: Math.max(0, ...after.map((sample) => sample.loopDelayP99Ms)),
    serverErrors,
    acceptedAttacks,
    passed:
      after.length >= 2 &&
      heapChange <= FLAT_TOLERANCE &&
      rssChange <= FLAT_TOLERANCE &&
      serverErrors === 0 &&
      acceptedAttacks === 0,
  };
}
