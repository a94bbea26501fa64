/** Where time comes from. Injected everywhere so tests never sleep. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that moves only when told to. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms` (never backward). */
  advance(ms: number): void;
  /** Sets the time, e.g. to test a clock that jumped. */
  set(epochMs: number): void;
}

/**
 * A frozen clock for tests.
 *
 * @example
 * const clock = createFakeClock(Date.UTC(2026, 0, 1));
 * clock.advance(61_000);
 */
export function createFakeClock(startEpochMs = Date.UTC(2026, 0, 1)): FakeClock {
  let current = startEpochMs;
  return {
    now: () => current,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError('FakeClock.advance: ms must be >= 0');
      current += ms;
    },
    set(epochMs) {
      current = epochMs;
    },
  };
}
