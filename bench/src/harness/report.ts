import type { Mode, VariantRun } from './runner.js';
import { median, pairedRatios, quantile, relativeSpread, summarize } from './stats.js';

/** One line of a result table: medians over rounds. */
export interface ResultRow {
  name: string;
  opsPerSec: number;
  usPerOp: number;
  /** Interquartile range of µs/op over rounds, relative to the median. */
  spread: number;
  clientCpuUsPerOp: number;
  serverCpuUsPerOp: number | undefined;
  baseline: string | undefined;
  /** Median over rounds of (this µs/op ÷ the baseline's µs/op in the same round). */
  ratio: number | undefined;
  ratioQ1: number | undefined;
  ratioQ3: number | undefined;
  /**
   * Median over rounds of (this variant's client + server CPU per op ÷ the baseline's). Less
   * disturbed than time by other processes on a busy machine, which delay a round but do not
   * add to our CPU time.
   */
  cpuRatio: number | undefined;
  failures: number;
}

/** Reduces interleaved rounds to one row per variant, ratios paired round by round. */
export function summarizeRuns(runs: readonly VariantRun[]): ResultRow[] {
  const usPerOpOf = (run: VariantRun) => run.rounds.map((r) => r.wallNs / 1000 / r.ops);
  // Server CPU counts as 0 where unknown: both sides of a ratio come from the same servers.
  const cpuUsPerOpOf = (run: VariantRun) =>
    run.rounds.map((r) => (r.clientCpuUs + (r.serverCpuNs ?? 0) / 1000) / r.ops);
  const byName = new Map(runs.map((run) => [run.variant.name, run]));
  return runs.map((run) => {
    const usPerOp = summarize(usPerOpOf(run));
    const serverSamples = run.rounds.map((r) => r.serverCpuNs);
    const serverKnown = serverSamples.every((s) => s !== undefined);
    const baselineName = run.variant.baseline;
    const baseline = baselineName === undefined ? undefined : byName.get(baselineName);
    if (baselineName !== undefined && baseline === undefined) {
      throw new Error(`${run.variant.name}: baseline ${baselineName} is not among the variants`);
    }
    const ratios = baseline ? pairedRatios(usPerOpOf(run), usPerOpOf(baseline)) : undefined;
    return {
      name: run.variant.name,
      opsPerSec: 1e6 / usPerOp.median,
      usPerOp: usPerOp.median,
      spread: relativeSpread(usPerOp),
      clientCpuUsPerOp: median(run.rounds.map((r) => r.clientCpuUs / r.ops)),
      serverCpuUsPerOp: serverKnown
        ? median(run.rounds.map((r) => (r.serverCpuNs as number) / 1000 / r.ops))
        : undefined,
      baseline: baselineName,
      ratio: ratios ? median(ratios) : undefined,
      ratioQ1: ratios ? quantile(ratios, 0.25) : undefined,
      ratioQ3: ratios ? quantile(ratios, 0.75) : undefined,
      cpuRatio: baseline
        ? median(pairedRatios(cpuUsPerOpOf(run), cpuUsPerOpOf(baseline)))
        : undefined,
      failures: run.rounds.reduce((sum, r) => sum + r.failures, 0),
    };
  });
}

export function describeMode(mode: Mode): string {
  return mode.kind === 'sequential'
    ? 'sequential (1 in flight)'
    : `concurrent (${mode.inFlight} in flight)`;
}

/** Significant-enough figures for a table: 3 for small numbers, thousands grouped for large. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The rows as markdown-ready cells, in a fixed column order. */
export function rowsToTable(rows: readonly ResultRow[]): { header: string[]; body: string[][] } {
  return {
    header: [
      'variant',
      'ops/s',
      'µs/op',
      '± IQR',
      'client CPU µs/op',
      'server CPU µs/op',
      'time vs baseline',
      'CPU vs baseline',
    ],
    body: rows.map((row) => [
      row.failures > 0 ? `${row.name} ⚠ ${row.failures} failed ops` : row.name,
      formatNumber(row.opsPerSec),
      formatNumber(row.usPerOp),
      `${(row.spread * 100).toFixed(1)}%`,
      formatNumber(row.clientCpuUsPerOp),
      formatNumber(row.serverCpuUsPerOp),
      row.ratio === undefined
        ? 'baseline'
        : `${row.ratio.toFixed(3)}× (${(row.ratioQ1 as number).toFixed(2)}–${(row.ratioQ3 as number).toFixed(2)})`,
      row.cpuRatio === undefined ? 'baseline' : `${row.cpuRatio.toFixed(3)}×`,
    ]),
  };
}
