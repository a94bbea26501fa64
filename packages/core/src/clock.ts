/** Where time comes from. Injected everywhere so tests never sleep. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** Reads of one sample allowed within a single event-loop turn before the wall clock is read again. */
const READS_PER_SAMPLE = 64;

/** Where a turn clock reads time and how it waits for the next turn; injectable for tests. */
export interface TurnClockSource {
  /** Default `Date.now()`. */
  read?: () => number;
  /** Runs `expire` at the start of the next turn. Default an unref'd `setImmediate`. */
  defer?: (expire: () => void) => void;
}

/**
 * The wall clock read at most once per event-loop turn (and again every 64 reads within a long
 * turn), as nginx and HAProxy cache their time. On VMs where `Date.now()` costs ~90 ns (our
 * bench machine) a clock read was a third of an in-memory rate-limit check; a server answering
 * many requests per turn now pays for one. A turn that reads it schedules one unref'd
 * `setImmediate` (~80 ns here) to expire the sample.
 *
 * The time it answers lags the wall clock by at most the time since the current turn (or
 * 64-read run) began: milliseconds on a healthy server. Use it where every deadline is set and
 * checked on the same clock and a shift that small is harmless, as in a rate limiter (windows,
 * refills and blocks move by at most that lag); not for a store that must remember something
 * for at least its TTL. It takes no notice of fake timers: a test that moves time injects its
 * own clock (`createFakeClock()`, the `clock` option every factory takes) rather than rely on
 * `Date.now` being replaced.
 */
export function createTurnClock(source: TurnClockSource = {}): Clock {
  const { read, defer } = source;
  let sample = 0;
  let reads = READS_PER_SAMPLE;
  let expiring = false;
  const expire = () => {
    expiring = false;
    reads = READS_PER_SAMPLE;
  };
  return Object.freeze({
    now(): number {
      if (reads < READS_PER_SAMPLE) {
        reads++;
        return sample;
      }
      sample = read === undefined ? Date.now() : read();
      reads = 1;
      if (!expiring) {
        expiring = true;
        if (defer === undefined) setImmediate(expire).unref();
        else defer(expire);
      }
      return sample;
    },
  });
}

/** One {@link createTurnClock} shared by every limiter of the process. */
export const turnClock: Clock = createTurnClock();

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
