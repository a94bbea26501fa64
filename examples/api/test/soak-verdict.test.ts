import { describe, expect, it } from 'vitest';
import type { SoakReport, SoakSample } from '../src/soak/run-soak.js';
import type { TrafficTally } from '../src/soak/tally.js';
import { judgeSoak } from '../src/soak/verdict.js';

const MIB = 1024 * 1024;
const clean: TrafficTally = {
  requests: 1000,
  serverErrors: 0,
  noAnswers: 0,
  acceptedAttacks: 0,
  brokenReplays: 0,
  refusedLegitimate: 0,
  byKind: {},
};

/** A 100-second run sampled every 10 s (0 … 100), heap and RSS in MiB by the sample's second. */
function report(
  heapAt: (second: number) => number,
  rssAt: (second: number) => number = () => 150,
  tally: Partial<TrafficTally> = {},
): SoakReport {
  const samples: SoakSample[] = Array.from({ length: 11 }, (_, index) => ({
    elapsedMs: index * 10_000,
    heapUsed: heapAt(index * 10) * MIB,
    rss: rssAt(index * 10) * MIB,
    loopDelayP99Ms: index === 1 ? 500 : 20 + index,
    loopDelayMaxMs: 50,
    handles: 10,
    redisUsedMemory: 0,
    redisClients: 4,
    redisKeys: 0,
  }));
  return {
    options: {
      durationMs: 100_000,
      sampleMs: 10_000,
      users: 16,
      ratePerSecond: 100,
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'soak:',
      framework: 'fastify',
      auditMemoryRecords: 2000,
    },
    samples,
    tally: { ...clean, ...tally },
    auditRecords: 0,
  };
}

describe('judgeSoak', () => {
  it('compares the samples after the first fifth with the last ones; warm-up growth is no failure', () => {
    // Heap doubles during warm-up (0–20 s), then stays flat.
    const verdict = judgeSoak(report((second) => (second < 20 ? 20 : 40)));
    expect(verdict.warmupMs).toBe(20_000);
    expect(verdict.heapAfterWarmup).toBe(40 * MIB);
    expect(verdict.heapChange).toBe(0);
    expect(verdict.passed).toBe(true);
    expect(verdict.missed).toEqual([]);
    // The warm-up's own loop delay (500 ms at 10 s) is not reported; the worst p99 after it is.
    expect(verdict.loopDelayP99Ms).toBe(30);
  });

  it('fails a heap that grows more than 10% after warm-up, and passes one that grows less', () => {
    const growing = judgeSoak(report((second) => 40 + second * 0.1));
    expect(growing.passed).toBe(false);
    expect(growing.missed).toEqual(['heap grew 14.0% > 10%']);
    expect(judgeSoak(report((second) => 40 + second * 0.03)).passed).toBe(true);
  });

  it('fails RSS that grows; one spike at the end or a drop decides nothing', () => {
    expect(
      judgeSoak(
        report(
          () => 40,
          (second) => 150 + second,
        ),
      ).passed,
    ).toBe(false);
    const spike = judgeSoak(
      report(
        () => 40,
        (second) => (second === 90 ? 190 : 150),
      ),
    );
    expect(spike.rssChange).toBe(0);
    expect(spike.passed).toBe(true);
    expect(
      judgeSoak(
        report(
          () => 40,
          (second) => (second < 60 ? 175 : 150),
        ),
      ).passed,
    ).toBe(true);
  });

  it('fails any 5xx, unanswered request, accepted attack or broken replay', () => {
    const flat = () => 40;
    for (const bad of [
      { serverErrors: 1 },
      { noAnswers: 1 },
      { acceptedAttacks: 1 },
      { brokenReplays: 1 },
    ]) {
      const verdict = judgeSoak(report(flat, undefined, bad));
      expect(verdict.passed, JSON.stringify(bad)).toBe(false);
      expect(verdict.missed, JSON.stringify(bad)).toHaveLength(1);
    }
  });
});
