import { describe, expect, it } from 'vitest';
import { interleavedOrder } from '../src/harness/schedule.js';

describe('interleavedOrder', () => {
  it('runs every variant once a round, the first one rotating', () => {
    expect(interleavedOrder(3, 4)).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
      [0, 1, 2],
    ]);
  });

  it('alternates two variants A B, B A so neither always goes first', () => {
    const flat = interleavedOrder(2, 4).flat();
    expect(flat).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    expect(flat.filter((v) => v === 0)).toHaveLength(4);
  });

  it('gives each variant the same number of runs in every position over full cycles', () => {
    const order = interleavedOrder(4, 8);
    for (let position = 0; position < 4; position++) {
      const counts = [0, 0, 0, 0];
      for (const round of order) {
        const variant = round[position] as number;
        counts[variant] = (counts[variant] ?? 0) + 1;
      }
      expect(counts).toEqual([2, 2, 2, 2]);
    }
  });

  it('refuses counts that are not positive integers', () => {
    expect(() => interleavedOrder(0, 3)).toThrow(RangeError);
    expect(() => interleavedOrder(2, 1.5)).toThrow(RangeError);
  });
});
