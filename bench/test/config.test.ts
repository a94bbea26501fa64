import { describe, expect, it } from 'vitest';
import { runLengths, serverCpuFor, serverLayout } from '../src/harness/config.js';

describe('runLengths', () => {
  it('defaults to 25 rounds of 100 ms and reads whole numbers from the environment', () => {
    expect(runLengths({})).toMatchObject({ rounds: 25, roundMs: 100 });
    expect(runLengths({ BENCH_ROUNDS: '7', BENCH_ROUND_MS: '50' })).toMatchObject({
      rounds: 7,
      roundMs: 50,
    });
  });

  it('ignores values that are not positive whole numbers', () => {
    expect(runLengths({ BENCH_ROUNDS: '0', BENCH_ROUND_MS: '1e3' })).toMatchObject({
      rounds: 25,
      roundMs: 100,
    });
  });
});

describe('serverLayout and serverCpuFor', () => {
  it('shares the bench core by default, splits or leaves servers alone on request', () => {
    expect(serverCpuFor(serverLayout({}), 1)).toBe(1);
    expect(serverCpuFor(serverLayout({ BENCH_PIN_SERVERS: 'split' }), 1)).toBe(0);
    expect(serverCpuFor(serverLayout({ BENCH_PIN_SERVERS: 'split' }), 0)).toBe(1);
    expect(serverCpuFor(serverLayout({ BENCH_PIN_SERVERS: 'none' }), 1)).toBeUndefined();
    expect(serverCpuFor('same', undefined)).toBeUndefined();
  });
});
