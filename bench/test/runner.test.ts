import { describe, expect, it } from 'vitest';
import { runInterleaved, runOps, type Variant } from '../src/harness/runner.js';

/** A variant that records its inputs and how many ops were outstanding at once. */
function recorder(name: string, answer = true) {
  const inputs: number[] = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  const variant: Variant = {
    name,
    async op(i) {
      inputs.push(i);
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      await new Promise<void>((resolve) => setImmediate(resolve));
      outstanding--;
      return answer;
    },
  };
  return { variant, inputs, maxOutstanding: () => maxOutstanding };
}

describe('runOps', () => {
  it('keeps one op in flight when sequential', async () => {
    const r = recorder('seq');
    await runOps(r.variant, { kind: 'sequential' }, 100, 20);
    expect(r.maxOutstanding()).toBe(1);
    expect(r.inputs).toEqual(Array.from({ length: 20 }, (_, k) => 100 + k));
  });

  it('keeps exactly inFlight ops outstanding when concurrent, each input once', async () => {
    const r = recorder('conc');
    await runOps(r.variant, { kind: 'concurrent', inFlight: 50 }, 0, 500);
    expect(r.maxOutstanding()).toBe(50);
    expect(new Set(r.inputs).size).toBe(500);
    expect(Math.max(...r.inputs)).toBe(499);
  });

  it('counts ops that did not resolve true', async () => {
    expect(await runOps(recorder('no', false).variant, { kind: 'sequential' }, 0, 7)).toBe(7);
  });
});

describe('runInterleaved', () => {
  it('samples every variant once a round and never reuses an input, across runs', async () => {
    const a = recorder('a');
    const b = recorder('b');
    const options = { mode: { kind: 'sequential' } as const, rounds: 3, roundMs: 2, warmupMs: 2 };
    const first = await runInterleaved([a.variant, b.variant], options);
    await runInterleaved([a.variant, b.variant], {
      ...options,
      mode: { kind: 'concurrent', inFlight: 5 },
    });
    expect(first.map((run) => run.rounds.length)).toEqual([3, 3]);
    const all = [...a.inputs, ...b.inputs];
    expect(new Set(all).size).toBe(all.length);
  });
});
