import { describe, expect, it } from 'vitest';
import { formatNumber, rowsToTable, summarizeRuns } from '../src/harness/report.js';
import type { RoundSample, VariantRun } from '../src/harness/runner.js';

const round = (usPerOp: number, ops = 1000): RoundSample => ({
  ops,
  wallNs: usPerOp * 1000 * ops,
  clientCpuUs: usPerOp * 0.5 * ops,
  serverCpuNs: usPerOp * 250 * ops,
  failures: 0,
});

const op = async () => true;

describe('summarizeRuns', () => {
  const runs: VariantRun[] = [
    { variant: { name: 'bare', op }, rounds: [round(10), round(20), round(10)] },
    { variant: { name: 'store', baseline: 'bare', op }, rounds: [round(11), round(22), round(12)] },
  ];

  it('reports medians of µs/op, ops/s and CPU per op', () => {
    const [bare] = summarizeRuns(runs);
    expect(bare?.usPerOp).toBe(10);
    expect(bare?.opsPerSec).toBe(100_000);
    expect(bare?.clientCpuUsPerOp).toBe(5);
    expect(bare?.serverCpuUsPerOp).toBe(2.5);
    expect(bare?.ratio).toBeUndefined();
  });

  it('pairs the ratio to the baseline round by round', () => {
    const [, store] = summarizeRuns(runs);
    // Rounds: 1.1, 1.1, 1.2 → median 1.1, although the medians of µs/op are 12 and 10.
    expect(store?.ratio).toBeCloseTo(1.1);
    expect(store?.cpuRatio).toBeCloseTo(1.1);
  });

  it('leaves server CPU unknown when a round could not read it', () => {
    const [row] = summarizeRuns([
      { variant: { name: 'x', op }, rounds: [{ ...round(1), serverCpuNs: undefined }] },
    ]);
    expect(row?.serverCpuUsPerOp).toBeUndefined();
  });

  it('refuses a baseline that is not among the variants', () => {
    expect(() =>
      summarizeRuns([{ variant: { name: 'x', baseline: 'nope', op }, rounds: [round(1)] }]),
    ).toThrow(/nope/);
  });
});

describe('formatNumber and rowsToTable', () => {
  it('groups thousands and keeps three significant figures below', () => {
    expect(formatNumber(123_456.7)).toBe('123,457');
    expect(formatNumber(123.4)).toBe('123');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(undefined)).toBe('–');
  });

  it('flags failed ops in the name column and labels the baseline', () => {
    const [row] = summarizeRuns([
      { variant: { name: 'x', op }, rounds: [{ ...round(1), failures: 3 }] },
    ]);
    const { body } = rowsToTable(row ? [row] : []);
    expect(body[0]?.[0]).toBe('x ⚠ 3 failed ops');
    expect(body[0]?.at(-1)).toBe('baseline');
  });
});
