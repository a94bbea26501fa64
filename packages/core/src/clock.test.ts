import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTurnClock } from './clock.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Date.now() answering 1000, 1001, 1002 … one millisecond later on every read. */
function tickingDateNow() {
  let t = 1000;
  return vi.spyOn(Date, 'now').mockImplementation(() => t++);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createTurnClock', () => {
  it('reads the wall clock once for many reads within one turn', () => {
    const dateNow = tickingDateNow();
    const clock = createTurnClock();
    const reads = Array.from({ length: 64 }, () => clock.now());
    expect(new Set(reads)).toEqual(new Set([1000]));
    expect(dateNow).toHaveBeenCalledTimes(1);
  });

  it('reads it again after 64 reads, so a long synchronous turn does not freeze time', () => {
    const dateNow = tickingDateNow();
    const clock = createTurnClock();
    for (let i = 0; i < 64; i++) clock.now();
    expect(clock.now()).toBe(1001);
    expect(dateNow).toHaveBeenCalledTimes(2);
  });

  it('reads it again in the next event-loop turn', async () => {
    const dateNow = tickingDateNow();
    const clock = createTurnClock();
    expect(clock.now()).toBe(1000);
    await nextTurn();
    expect(clock.now()).toBe(1001);
    expect(clock.now()).toBe(1001);
    await nextTurn();
    expect(clock.now()).toBe(1002);
    expect(dateNow).toHaveBeenCalledTimes(3);
  });

  it('never lags the wall clock by more than the current turn', async () => {
    const clock = createTurnClock();
    clock.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = Date.now();
    expect(clock.now()).toBeGreaterThanOrEqual(before);
  });
});
