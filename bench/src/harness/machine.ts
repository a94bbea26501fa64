import { cpus, loadavg, release } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Where every benchmark writes its section. */
export const BENCHMARKS_DOC = fileURLToPath(
  new URL('../../../docs/benchmarks.md', import.meta.url),
);

/** The facts a reader needs to compare a result with their own: hardware, runtimes, servers, date. */
export function describeMachine(servers: Readonly<Record<string, string>> = {}): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const parts = [
    // cpus(), not availableParallelism(): the latter shrinks to 1 once the bench has pinned itself.
    `${model}, ${cpus().length} CPUs`,
    `Linux ${release()}`,
    `Node ${process.version}`,
    ...Object.entries(servers).map(([name, version]) => `${name} ${version}`),
  ];
  return parts.join(' · ');
}

/** UTC date and time to the minute, e.g. `2026-11-28 09:30 UTC`. */
export function runDate(now = new Date()): string {
  return `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The 1-minute load average, read when a benchmark starts. Above the core count, other processes
 * competed for the CPUs during the run: expect wide IQRs and trust the paired ratios over the
 * absolute numbers.
 */
export function loadAtStart(): string {
  const load = loadavg()[0] ?? 0;
  const busy = load > cpus().length ? ' (busy machine: absolute numbers noisy)' : '';
  return `load average ${load.toFixed(1)} at start${busy}`;
}
