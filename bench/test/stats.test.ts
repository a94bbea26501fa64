import { describe, expect, it } from 'vitest';
import { median, pairedRatios, quantile, relativeSpread, summarize } from '../src/harness/stats.js';

describe('quantile', () => {
  it('interpolates between closest ranks (type 7)', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([10, 20, 30, 40, 50], 0.75)).toBe(40);
    expect(quantile([5], 0.9)).toBe(5);
  });

  it('does not depend on input order and leaves the input alone', () => {
    const samples = [9, 1, 5, 3, 7];
    expect(quantile(samples, 0.5)).toBe(5);
    expect(samples).toEqual([9, 1, 5, 3, 7]);
  });

  it('refuses an empty sample and p outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(() => quantile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('is the middle value of an odd sample and the mean of the middle two of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores one wild round', () => {
    expect(median([10, 11, 10, 500, 9])).toBe(10);
  });
});

describe('summarize and relativeSpread', () => {
  it('gives the order statistics and the IQR relative to the median', () => {
    const summary = summarize([1, 2, 3, 4, 5]);
    expect(summary).toEqual({ median: 3, q1: 2, q3: 4, min: 1, max: 5, n: 5 });
    expect(relativeSpread(summary)).toBeCloseTo(2 / 3);
  });

  it('gives a spread of 0 around a zero median instead of dividing by zero', () => {
    expect(relativeSpread(summarize([0, 0, 0]))).toBe(0);
  });
});

describe('pairedRatios', () => {
  it('divides round by round, so drift common to both cancels', () => {
    // The machine slowed down 2× in round 2; the variant stays 1.1× the baseline throughout.
    expect(pairedRatios([11, 22, 11], [10, 20, 10]).map((r) => r.toFixed(2))).toEqual([
      '1.10',
      '1.10',
      '1.10',
    ]);
  });

  it('refuses series of different lengths', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(RangeError);
  });
});
