import { interleavedOrder } from './schedule.js';

/** One thing being measured. `op(i)` must do one operation with a fresh input derived from `i`. */
export interface Variant {
  name: string;
  /** Name of the variant this one is compared with; omitted for baselines. */
  baseline?: string;
  /** One operation; resolves `true` when it did what it should (e.g. the nonce was claimed). */
  op(i: number): Promise<boolean>;
  /** Untimed reset before each round, e.g. a fresh memory store so it never fills up. */
  beforeRound?(): void | Promise<void>;
}

export type Mode = { kind: 'sequential' } | { kind: 'concurrent'; inFlight: number };

export interface RunOptions {
  mode: Mode;
  rounds: number;
  /** Target wall time of one round of one variant; the op count is calibrated during warm-up. */
  roundMs: number;
  warmupMs: number;
  /**
   * CPU nanoseconds spent so far by the server processes serving the variants (Redis, the
   * Postgres backends), read before and after every round. Undefined when not observable.
   */
  serverCpuNs?: () => number;
}

/** What one variant did in one round. */
export interface RoundSample {
  ops: number;
  wallNs: number;
  /** process.cpuUsage() delta of this process: user + system, all threads (JIT, GC included). */
  clientCpuUs: number;
  serverCpuNs: number | undefined;
  /** Operations that resolved anything but `true`. A correct run has none. */
  failures: number;
}

export interface VariantRun {
  variant: Variant;
  rounds: RoundSample[];
}

/**
 * The next input number. One counter for the whole process: a variant run again in another
 * mode must not get the inputs (nonces) it already claimed, or its ops would fail.
 */
let nextInput = 0;

/** Reserves `count` fresh input numbers and returns the first. */
function takeInputs(count: number): number {
  const first = nextInput;
  nextInput += count;
  return first;
}

/**
 * Runs `variants` interleaved (see `interleavedOrder`): warm-up and calibration first, then
 * `rounds` rounds of every variant. No input number is ever used twice in a process.
 */
export async function runInterleaved(
  variants: readonly Variant[],
  options: RunOptions,
): Promise<VariantRun[]> {
  const opsPerRound: number[] = [];
  for (const variant of variants) {
    await variant.beforeRound?.();
    // The first half warms the JIT and the connections; the op count is calibrated on the
    // second, so cold code does not make every round shorter than `roundMs`.
    await runForTime(variant, options.mode, options.warmupMs / 2);
    const warm = await runForTime(variant, options.mode, options.warmupMs / 2);
    const perMs = warm.ops / (warm.wallNs / 1e6);
    opsPerRound.push(Math.max(50, Math.round(perMs * options.roundMs)));
  }

  const runs: VariantRun[] = variants.map((variant) => ({ variant, rounds: [] }));
  for (const order of interleavedOrder(variants.length, options.rounds)) {
    for (const index of order) {
      const variant = variants[index] as Variant;
      await variant.beforeRound?.();
      const ops = opsPerRound[index] as number;
      const sample = await timeRound(variant, options, ops, takeInputs(ops));
      (runs[index] as VariantRun).rounds.push(sample);
    }
  }
  return runs;
}

async function timeRound(
  variant: Variant,
  options: RunOptions,
  ops: number,
  first: number,
): Promise<RoundSample> {
  const server0 = options.serverCpuNs?.();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const failures = await runOps(variant, options.mode, first, ops);
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const server1 = options.serverCpuNs?.();
  return {
    ops,
    wallNs,
    clientCpuUs: cpu.user + cpu.system,
    serverCpuNs: server0 === undefined || server1 === undefined ? undefined : server1 - server0,
    failures,
  };
}

/** Runs batches until `ms` have passed; returns how many ops ran and how long they took. */
async function runForTime(
  variant: Variant,
  mode: Mode,
  ms: number,
): Promise<{ ops: number; wallNs: number }> {
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(ms * 1e6));
  let ops = 0;
  let batch = 64;
  while (process.hrtime.bigint() < deadline) {
    await runOps(variant, mode, takeInputs(batch), batch);
    ops += batch;
    batch = Math.min(batch * 2, 8192);
  }
  return { ops, wallNs: Number(process.hrtime.bigint() - t0) };
}

/**
 * Runs `count` ops numbered from `first`. Sequential: one in flight, each awaited. Concurrent:
 * `inFlight` workers pull the next number as soon as their last op settles, so exactly that
 * many are outstanding until the tail.
 */
export async function runOps(
  variant: Variant,
  mode: Mode,
  first: number,
  count: number,
): Promise<number> {
  let failures = 0;
  if (mode.kind === 'sequential') {
    for (let i = first, end = first + count; i < end; i++) {
      if ((await variant.op(i)) !== true) failures++;
    }
    return failures;
  }
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < count) {
      const i = first + issued++;
      if ((await variant.op(i)) !== true) failures++;
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.min(mode.inFlight, count); w++) workers.push(worker());
  await Promise.all(workers);
  return failures;
}
