import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../policy.js';
import { admittedOutcome } from './admitted.js';
import { evaluatePolicy } from './evaluate.js';
import type { CounterState } from './state.js';

const policies = fc
  .record({
    algorithm: fc.constantFrom('fixed-window', 'sliding-window', 'gcra'),
    limit: fc.integer({ min: 1, max: 50 }),
    windowMs: fc.integer({ min: 1, max: 3600 }).map((seconds) => seconds * 1000),
    burst: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  })
  .map(({ burst, ...given }) =>
    resolvePolicy(
      'p',
      given.algorithm === 'gcra' && burst !== undefined ? { ...given, burst } : given,
    ),
  );

describe('admittedOutcome', () => {
  it('gives, from the state an admit stored, exactly the outcome evaluatePolicy gave that admit', () => {
    const start = 1_700_000_000_000;
    fc.assert(
      fc.property(
        policies,
        fc.array(
          fc.record({
            afterMs: fc.integer({ min: 0, max: 7000 }),
            cost: fc.integer({ min: 1, max: 9 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer({ min: 0, max: 999 }),
        (policy, steps, offset) => {
          let state: CounterState | undefined;
          let now = start + offset;
          for (const { afterMs, cost } of steps) {
            now += afterMs;
            const evaluation = evaluatePolicy(policy, state, now, cost);
            if (!evaluation.allowed) continue;
            const { allowed, remaining, resetMs, retryAfterMs } = evaluation;
            expect(admittedOutcome(policy, evaluation.next, now, cost)).toEqual({
              allowed,
              remaining,
              resetMs,
              retryAfterMs,
            });
            state = evaluation.next;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
