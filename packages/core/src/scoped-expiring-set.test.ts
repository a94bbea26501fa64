import { describe, expect, it } from 'vitest';
import { createFakeClock } from './clock.js';
import { RampartConfigError } from './errors/configuration-error.js';
import { ScopedExpiringSet } from './scoped-expiring-set.js';

function makeSet(maxEntries: number) {
  const clock = createFakeClock();
  const set = new ScopedExpiringSet({ maxEntries, clock, sweepIntervalMs: 0 });
  return { clock, set };
}

describe('ScopedExpiringSet', () => {
  it('adds a member once while its TTL runs, and again from the millisecond it expires', () => {
    const { clock, set } = makeSet(10);
    expect(set.add('s', 'm', 1000)).toBe('added');
    clock.advance(999);
    expect(set.add('s', 'm', 1000)).toBe('exists');
    expect(set.has('s', 'm')).toBe(true);
    clock.advance(1);
    expect(set.has('s', 'm')).toBe(false);
    expect(set.add('s', 'm', 1000)).toBe('added');
    expect(set.size).toBe(1);
  });

  it('keeps scopes apart, including ones a joined key would confuse', () => {
    const { set } = makeSet(10);
    expect(set.add('a', 'b:c', 1000)).toBe('added');
    expect(set.add('a:b', 'c', 1000)).toBe('added');
    expect(set.add('a', 'b', 1000)).toBe('added');
    expect(set.add('b', 'a', 1000)).toBe('added');
    expect(set.add('a', 'b:c', 1000)).toBe('exists');
    expect(set.size).toBe(4);
  });

  it('refuses when full of unexpired members, forgets none, and makes room once they expire', () => {
    const { clock, set } = makeSet(3);
    for (const member of ['x', 'y', 'z']) expect(set.add('s', member, 60_000)).toBe('added');
    expect(set.add('other', 'w', 60_000)).toBe('full');
    expect(set.add('s', 'x', 60_000)).toBe('exists');
    expect(set.size).toBe(3);
    clock.advance(60_000);
    expect(set.add('other', 'w', 60_000)).toBe('added');
    expect(set.add('s', 'x', 60_000)).toBe('added');
    expect(set.has('s', 'y')).toBe(false);
  });

  it('sweeps a full set at most every 250 ms, so a flood of refused adds stays cheap', () => {
    const { clock, set } = makeSet(2);
    set.add('s', 'short', 100);
    set.add('s', 'long', 60_000);
    clock.advance(10);
    set.add('s', 'shorter', 5); // refused: full, nothing expired yet
    clock.advance(100); // 'short' has expired, and the last full sweep was 110 ms ago
    expect(set.add('s', 'next', 60_000)).toBe('added');
    expect(set.add('s', 'again', 60_000)).toBe('full');
  });

  it('removes expired members as adds go on, and drops the map of a scope left empty', () => {
    const { clock, set } = makeSet(100_000);
    for (let i = 0; i < 1000; i++) set.add(`scope-${i % 10}`, `old-${i}`, 1000);
    clock.advance(1000);
    // 64 members examined every 32 adds: 600 adds examine more than the 1,000 expired ones.
    for (let i = 0; i < 600; i++) set.add('fresh', `new-${i}`, 60_000);
    expect(set.size).toBe(600);
    expect(set.scopeCount).toBe(1);
    clock.advance(60_000);
    expect(set.sweep()).toBe(600);
    expect(set.size).toBe(0);
    expect(set.scopeCount).toBe(0);
    expect(set.add('fresh', 'new-0', 1000)).toBe('added');
  });

  it.each([
    ['a full sweep', (set: ScopedExpiringSet) => set.sweep()],
    // 31 adds so far: the 32nd add itself runs the incremental sweep before it looks its scope up.
    ['the sweep an add runs first', () => {}],
  ])('still refuses a replay in a scope whose map %s dropped', (_name, sweepAway) => {
    const { clock, set } = makeSet(1000);
    for (let i = 0; i < 31; i++) set.add('client-a', `old-${i}`, 1000);
    clock.advance(1000);
    sweepAway(set);
    // The scope's map was empty and dropped: the next member must land in the live table.
    expect(set.add('client-a', 'second', 60_000)).toBe('added');
    expect(set.scopeCount).toBe(1);
    set.add('client-b', 'elsewhere', 60_000);
    expect(set.add('client-a', 'second', 60_000)).toBe('exists');
    expect(set.has('client-a', 'second')).toBe(true);
  });

  it('sweep() removes only expired members and reports how many', () => {
    const { clock, set } = makeSet(10);
    set.add('a', '1', 100);
    set.add('a', '2', 200);
    set.add('b', '1', 100);
    clock.advance(100);
    expect(set.sweep()).toBe(2);
    expect(set.size).toBe(1);
    expect(set.has('a', '2')).toBe(true);
  });

  it('counts expiries correctly far from its creation, past small-integer range', () => {
    const { clock, set } = makeSet(10);
    clock.advance(40 * 86_400_000);
    expect(set.add('s', 'm', 30 * 86_400_000)).toBe('added');
    clock.advance(30 * 86_400_000 - 1);
    expect(set.add('s', 'm', 1000)).toBe('exists');
    clock.advance(1);
    expect(set.add('s', 'm', 1000)).toBe('added');
  });

  it('names the option it refuses', () => {
    expect(() => new ScopedExpiringSet({ maxEntries: 0 })).toThrow(RampartConfigError);
    expect(() => new ScopedExpiringSet({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new ScopedExpiringSet({ maxEntries: 1, sweepIntervalMs: -1 })).toThrow(
      /sweepIntervalMs/,
    );
  });
});
