import type { RunOptions } from './runner.js';

/**
 * Run lengths. The default (25 rounds of 100 ms per variant) keeps a full `pnpm bench` to about
 * three minutes on a 2-core VM; an odd round count makes the median a measured round. Short rounds keep
 * a variant's round close in time to its baseline's, which is what the paired ratios rely on.
 * `BENCH_QUICK=1` is for checking that a benchmark runs, not for numbers.
 */
export function runLengths(
  env: NodeJS.ProcessEnv = process.env,
): Omit<RunOptions, 'mode' | 'serverCpuNs'> {
  if (env.BENCH_QUICK === '1') return { rounds: 3, roundMs: 40, warmupMs: 40 };
  return {
    rounds: positiveInt(env.BENCH_ROUNDS) ?? 25,
    roundMs: positiveInt(env.BENCH_ROUND_MS) ?? 100,
    warmupMs: 400,
  };
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9]\d{0,6}$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

/**
 * Where the servers go. `same` (default): on the bench's core, so a round trip costs the work
 * done, not an ~80 µs cross-core wake-up. `split`: on another core, the layout of a real
 * deployment's network hop. `none`: leave the servers alone (e.g. they are shared and busy).
 */
export type ServerLayout = 'same' | 'split' | 'none';

export function serverLayout(env: NodeJS.ProcessEnv = process.env): ServerLayout {
  const value = env.BENCH_PIN_SERVERS ?? 'same';
  return value === 'split' || value === 'none' ? value : 'same';
}

/** The core the servers are pinned to under `layout`, or undefined to leave them alone. */
export function serverCpuFor(
  layout: ServerLayout,
  benchCpu: number | undefined,
): number | undefined {
  if (benchCpu === undefined || layout === 'none') return undefined;
  if (layout === 'same') return benchCpu;
  return benchCpu === 0 ? 1 : 0;
}
