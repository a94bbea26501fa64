import { CONFIG_ERROR_CODES, RampartConfigError } from './errors/configuration-error.js';

/**
 * How the bounded memory structures (`BoundedExpiringMap`, `ScopedExpiringSet`) drop expired
 * entries without a timer that holds the process open. Every `SWEEP_EVERY` writes, the next
 * `SWEEP_BATCH` entries are examined: twice the write rate, so the sweep outpaces growth, in
 * batches so most writes pay nothing for it.
 */
export const SWEEP_EVERY = 32;
export const SWEEP_BATCH = 64;
/** A full structure sweeps everything at most this often, so a flood of refused writes stays O(1). */
export const FULL_SWEEP_MIN_INTERVAL_MS = 250;

/** Throws `RampartConfigError` naming the option unless both bounds are whole numbers in range. */
export function checkSweepBounds(maxEntries: number, sweepIntervalMs: number): void {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new RampartConfigError(
      'maxEntries',
      `must be a whole number >= 1, got ${String(maxEntries)}`,
      CONFIG_ERROR_CODES.outOfRange,
    );
  }
  if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 0) {
    throw new RampartConfigError(
      'sweepIntervalMs',
      'must be a whole number of milliseconds >= 0',
      CONFIG_ERROR_CODES.outOfRange,
    );
  }
}

/** An unref'd timer running `sweep` every `intervalMs`, or none for `0`. */
export function startSweepTimer(sweep: () => void, intervalMs: number): NodeJS.Timeout | undefined {
  if (intervalMs === 0) return undefined;
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return timer;
}
