/** Order statistics of a sample. Medians, not means: one descheduled round must not move the result. */
export interface Summary {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  n: number;
}

/**
 * The `p`-quantile (0 ≤ p ≤ 1) by linear interpolation between closest ranks (the same
 * definition as R's type 7 and NumPy's default), so small samples give unsurprising values.
 */
export function quantile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('quantile: empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError('quantile: p must be within [0, 1]');
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: quantile(samples, 0.5),
    q1: quantile(samples, 0.25),
    q3: quantile(samples, 0.75),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
  };
}

/** Interquartile range relative to the median: the spread we print as `±`. */
export function relativeSpread(summary: Summary): number {
  return summary.median === 0 ? 0 : (summary.q3 - summary.q1) / summary.median;
}

/**
 * Ratios of two series measured in the same rounds (`a[r] / b[r]`). Pairing by round cancels
 * drift that hit both in that round, which a ratio of two medians would keep.
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError('pairedRatios: series differ in length');
  return a.map((value, round) => value / (b[round] as number));
}
