import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../policy.js';
import { adjustState, evaluateCheck, stateExpiresAt } from './evaluate.js';
import type { CounterState } from './state.js';

const policies = fc
  .record({
    algorithm: fc.constantFrom('fixed-window', 'sliding-window', 'gcra'),
    limit: fc.integer({ min: 1, max: 20 }),
    windowMs: fc.integer({ min: 1, max: 60 }).map((seconds) => seconds * 1000),
    blockMs: fc.constantFrom(0, 1000, 90_000),
  })
  .map((given) => resolvePolicy('p', given));

describe('evaluateCheck', () => {
  it("writes each evaluation's expiresAt as stateExpiresAt of its next: admitted, refused, blocked, block started", () => {
    const start = 1_700_000_000_000;
    fc.assert(
      fc.property(
        fc.array(policies, { minLength: 1, maxLength: 3 }),
        // A client's history: requests of some cost, penalties that block, at growing times.
        fc.array(
          fc.record({
            afterMs: fc.integer({ min: 0, max: 5000 }),
            cost: fc.integer({ min: 1, max: 25 }),
            blockMs: fc.constantFrom(0, 0, 0, 2000),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (route, steps) => {
          let states: Array<CounterState | undefined> = route.map(() => undefined);
          let now = start;
          for (const { afterMs, cost, blockMs } of steps) {
            now += afterMs;
            if (blockMs > 0) {
              states = route.map((policy, i) =>
                adjustState(policy, states[i], now, 0, now + blockMs),
              );
            }
            const { admitted, evaluations } = evaluateCheck(route, states, now, cost);
            evaluations.forEach((evaluation, i) => {
              const policy = route[i] as (typeof route)[number];
              expect(evaluation.expiresAt).toBe(stateExpiresAt(policy, evaluation.next, now));
              if (admitted || evaluation.startedBlock) states[i] = evaluation.next;
            });
          }
        },
      ),
    );
  });
});
