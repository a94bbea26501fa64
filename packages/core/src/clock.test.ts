import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTurnClock, turnClock } from './clock.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A source whose time moves one millisecond on every read, with turns the test ends by hand. */
function manualSource() {
  let t = 1000;
  let pending: Array<() => void> = [];
  const read = vi.fn(() => t++);
  return {
    read,
    source: { read, defer: (expire: () => void) => void pending.push(expire) },
    endTurn() {
      const due = pending;
      pending = [];
      for (const expire of due) expire();
    },
  };
}

describe('createTurnClock', () => {
  it('reads the wall clock once for many reads within one turn', () => {
    const { read, source } = manualSource();
    const clock = createTurnClock(source);
    const reads = Array.from({ length: 64 }, () => clock.now());
    expect(new Set(reads)).toEqual(new Set([1000]));
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('reads it again after 64 reads, so a long synchronous turn does not freeze time', () => {
    const { read, source } = manualSource();
    const clock = createTurnClock(source);
    for (let i = 0; i < 64; i++) clock.now();
    expect(clock.now()).toBe(1001);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('reads it again in the next turn', () => {
    const { read, source, endTurn } = manualSource();
    const clock = createTurnClock(source);
    expect(clock.now()).toBe(1000);
    endTurn();
    expect(clock.now()).toBe(1001);
    expect(clock.now()).toBe(1001);
    endTurn();
    expect(clock.now()).toBe(1002);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('with the real timers, never lags the wall clock by more than the current turn', async () => {
    turnClock.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = Date.now();
    expect(turnClock.now()).toBeGreaterThanOrEqual(before);
  });

  it('does not sniff for fake timers: within a turn it keeps its sample whatever Date.now does', () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    const clock = createTurnClock();
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1));
    vi.setSystemTime(Date.UTC(2030, 0, 2));
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1));
    // The turn ends when its (here fake) setImmediate runs; the next read samples again.
    vi.runOnlyPendingTimers();
    expect(clock.now()).toBe(Date.UTC(2030, 0, 2));
  });
});
