import type { ResultRow } from './report.js';

/** A target: `variant` must reach at least `min` (a share, 0.9 = 90%) of `of`'s throughput. */
export type ThroughputTarget = readonly [variant: string, of: string, min: number];

function row(rows: readonly ResultRow[], name: string): ResultRow {
  const found = rows.find((r) => r.name === name);
  if (!found) throw new Error(`no row ${name}`);
  return found;
}

/** Throughput of `a` as a share of `b`'s, from the medians. */
export function throughputShare(rows: readonly ResultRow[], a: string, b: string): number {
  return row(rows, a).opsPerSec / row(rows, b).opsPerSec;
}

/** One markdown bullet per target: the share measured, the target, met or not. */
export function targetLines(
  rows: readonly ResultRow[],
  targets: readonly ThroughputTarget[],
): string[] {
  return targets.map(([a, b, min]) => {
    const value = throughputShare(rows, a, b);
    const verdict = value >= min ? 'met' : '**not met**';
    return `- ${a}: **${(value * 100).toFixed(0)}%** of the throughput of ${b} (target ≥ ${min * 100}%, ${verdict})`;
  });
}
