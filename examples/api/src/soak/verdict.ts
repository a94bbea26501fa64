import type { SoakReport, SoakSample } from './run-soak.js';

/**
 * What a soak shows against its bar (issue 23): heap and RSS at the end at most 10% above their
 * value after warm-up, no 5xx, no accepted attack; and, as strict, every request answered and
 * every idempotent retry replayed.
 */
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
  readonly noAnswers: number;
  readonly acceptedAttacks: number;
  readonly brokenReplays: number;
  /**
   * Heap and RSS at most {@link FLAT_TOLERANCE} above their after-warm-up value, no 5xx, no
   * request unanswered, no accepted attack, no broken replay.
   */
  readonly passed: boolean;
  /** Why it did not pass, one line per missed part of the bar; empty when it passed. */
  readonly missed: readonly string[];
}

/** The part of a run treated as warm-up: the first fifth (JIT, pools, first GCs). */
export const WARMUP_SHARE = 0.2;
/**
 * How far heap and RSS may grow between warm-up and the end. Growth only: a drop is memory given
 * back (glibc returns argon2's 19 MiB arenas to the system now and then), not a leak.
 */
export const FLAT_TOLERANCE = 0.1;
/** Samples one value is the median of (after warm-up, at the end); the two sets never overlap. */
const SAMPLES_PER_VALUE = 3;

function median(samples: readonly SoakSample[], pick: (sample: SoakSample) => number): number {
  const values = samples.map(pick).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? 0;
}

/**
 * Judges a soak. Samples are on the traffic's clock (0 when it starts); warm-up is its first
 * fifth. A value is read as the median of three samples, so one RSS spike (an argon2 hash's
 * memory on its way back) decides nothing: the first three at or after the end of warm-up against the
 * last three, the last taken as the traffic ends.
 */
export function judgeSoak(report: SoakReport): SoakVerdict {
  const warmupMs = report.options.durationMs * WARMUP_SHARE;
  const after = report.samples.filter((sample) => sample.elapsedMs >= warmupMs);
  const first = after.slice(0, SAMPLES_PER_VALUE);
  const last = after.slice(-SAMPLES_PER_VALUE);
  const heapAfterWarmup = median(first, (sample) => sample.heapUsed);
  const heapAtEnd = median(last, (sample) => sample.heapUsed);
  const rssAfterWarmup = median(first, (sample) => sample.rss);
  const rssAtEnd = median(last, (sample) => sample.rss);
  const heapChange = heapAtEnd / heapAfterWarmup - 1;
  const rssChange = rssAtEnd / rssAfterWarmup - 1;
  const { serverErrors, noAnswers, acceptedAttacks, brokenReplays } = report.tally;
  const growth = (change: number) => `${(change * 100).toFixed(1)}% > ${FLAT_TOLERANCE * 100}%`;
  const missed = [
    after.length < 2 * SAMPLES_PER_VALUE &&
      `${after.length} samples after warm-up, fewer than ${2 * SAMPLES_PER_VALUE}: run longer`,
    heapChange > FLAT_TOLERANCE && `heap grew ${growth(heapChange)}`,
    rssChange > FLAT_TOLERANCE && `RSS grew ${growth(rssChange)}`,
    serverErrors > 0 && `${serverErrors} answers were 5xx`,
    noAnswers > 0 && `${noAnswers} requests got no answer`,
    acceptedAttacks > 0 && `${acceptedAttacks} attacks were accepted`,
    brokenReplays > 0 && `${brokenReplays} idempotent retries were not replayed`,
  ].filter((line): line is string => typeof line === 'string');
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
    noAnswers,
    acceptedAttacks,
    brokenReplays,
    passed: missed.length === 0,
    missed,
  };
}
