import { describe, expect, it, vi } from 'vitest';
import { BoundedExpiringMap } from './bounded-expiring-map.js';
import { createFakeClock } from './clock.js';
import { RampartConfigError } from './errors/configuration-error.js';

function makeMap(maxEntries: number, whenFull: 'refuse' | 'evict-oldest' = 'refuse') {
  const clock = createFakeClock();
  const map = new BoundedExpiringMap<string>({ maxEntries, whenFull, clock, sweepIntervalMs: 0 });
  return { clock, map };
}

describe('BoundedExpiringMap', () => {
  it('hides an entry the moment it expires', () => {
    const { clock, map } = makeMap(10);
    map.set('k', 'v', 1000);
    clock.advance(999);
    expect(map.get('k')).toBe('v');
    expect(map.ttl('k')).toBe(1);
    clock.advance(1);
    expect(map.get('k')).toBeUndefined();
    expect(map.has('k')).toBe(false);
    expect(map.ttl('k')).toBeUndefined();
  });

  it('add claims an absent or expired key and reports an unexpired one', () => {
    const { clock, map } = makeMap(10);
    expect(map.add('k', 'first', 100)).toBe('added');
    expect(map.add('k', 'second', 100)).toBe('exists');
    expect(map.get('k')).toBe('first');
    clock.advance(100);
    expect(map.add('k', 'third', 100)).toBe('added');
    expect(map.get('k')).toBe('third');
  });

  it('replace changes an unexpired entry in place and refuses an absent or expired key', () => {
    const { clock, map } = makeMap(2, 'evict-oldest');
    expect(map.replace('a', 'x', 100)).toBe(false);
    expect(map.get('a')).toBeUndefined();
    map.set('a', 'first', 100);
    map.set('b', 'b', 60_000);
    clock.advance(50);
    expect(map.replace('a', 'second', 1000)).toBe(true);
    clock.advance(500);
    expect(map.get('a')).toBe('second');
    expect(map.ttl('a')).toBe(500);
    // In place: 'a' is still the oldest entry, the one a full map evicts first.
    map.add('c', 'c', 60_000);
    expect(map.get('a')).toBeUndefined();
    expect(map.get('b')).toBe('b');
    clock.advance(60_000);
    expect(map.replace('b', 'late', 100)).toBe(false);
    expect(map.get('b')).toBeUndefined();
  });

  it('refuses a new key when full of unexpired entries, and never drops one to make room', () => {
    const { map } = makeMap(3);
    for (const key of ['a', 'b', 'c']) expect(map.add(key, key, 60_000)).toBe('added');
    expect(map.add('d', 'd', 60_000)).toBe('full');
    expect(map.set('d', 'd', 60_000)).toBe(false);
    expect(['a', 'b', 'c'].map((key) => map.get(key))).toEqual(['a', 'b', 'c']);
    expect(map.set('a', 'replaced', 60_000)).toBe(true);
    expect(map.get('a')).toBe('replaced');
  });

  it('makes room from expired entries when full', () => {
    const { clock, map } = makeMap(3);
    map.add('a', 'a', 100);
    map.add('b', 'b', 60_000);
    map.add('c', 'c', 60_000);
    clock.advance(100);
    expect(map.add('d', 'd', 60_000)).toBe('added');
    expect(map.get('a')).toBeUndefined();
    expect(map.get('d')).toBe('d');
  });

  it('throttles full sweeps so a flood of refused inserts costs O(1) each', () => {
    const { clock, map } = makeMap(100);
    const fullSweeps = vi.spyOn(map, 'sweep');
    for (let i = 0; i < 99; i++) map.add(`long-${i}`, 'x', 600_000);
    map.add('short', 'x', 10);
    clock.advance(10);
    expect(map.add('a', 'x', 5)).toBe('added'); // a full sweep at t=10 frees 'short'
    expect(fullSweeps).toHaveBeenCalledTimes(1);
    clock.advance(10);
    // 'a' has expired, but the last full sweep was 10 ms ago: refuse without an O(n) pass.
    expect(map.add('b', 'x', 600_000)).toBe('full');
    expect(fullSweeps).toHaveBeenCalledTimes(1);
    clock.advance(240);
    expect(map.add('b', 'x', 600_000)).toBe('added');
    expect(fullSweeps).toHaveBeenCalledTimes(2);
  });

  it('evicts the oldest entry when told to', () => {
    const { map } = makeMap(2, 'evict-oldest');
    map.add('a', 'a', 60_000);
    map.add('b', 'b', 60_000);
    expect(map.add('c', 'c', 60_000)).toBe('added');
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(2);
  });

  it('sweeps expired entries a few at a time on writes', () => {
    const { clock, map } = makeMap(1000);
    for (let i = 0; i < 100; i++) map.add(`old-${i}`, 'x', 10);
    clock.advance(10);
    for (let i = 0; i < 100; i++) map.add(`new-${i}`, 'x', 60_000);
    expect(map.size).toBeLessThan(200);
    map.sweep();
    expect(map.size).toBe(100);
  });

  it('sweep removes every expired entry and returns the count', () => {
    const { clock, map } = makeMap(100);
    map.set('a', 'a', 10);
    map.set('b', 'b', 20);
    map.set('c', 'c', 30);
    clock.advance(20);
    expect(map.sweep()).toBe(2);
    expect(map.size).toBe(1);
  });

  it('rejects a bad maxEntries at construction, naming the option', () => {
    expect(() => new BoundedExpiringMap({ maxEntries: 0 })).toThrow(RampartConfigError);
    expect(() => new BoundedExpiringMap({ maxEntries: 1.5 })).toThrow(/maxEntries/);
    expect(() => new BoundedExpiringMap({ maxEntries: 10, sweepIntervalMs: -1 })).toThrow(
      /sweepIntervalMs/,
    );
  });

  it('does not hold the process open with its sweep timer', () => {
    const map = new BoundedExpiringMap<string>({ maxEntries: 10, sweepIntervalMs: 10 });
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    const timer = handles.find(
      (handle) =>
        (handle as { hasRef?: () => boolean }).hasRef?.() === true &&
        handle?.constructor?.name === 'Timeout',
    );
    expect(timer).toBeUndefined();
    map.close();
  });
});
