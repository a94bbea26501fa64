import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from './algorithms/evaluate.js';
import type { PolicyOutcome } from './algorithms/state.js';
import { buildDecision } from './decision.js';
import { resolvePolicy } from './policy.js';

const burst = resolvePolicy('burst', { algorithm: 'gcra', limit: 10, windowMs: 1000 });
const hour = resolvePolicy('hour', { limit: 100, windowMs: 3_600_000 });

function outcome(allowed: boolean, remaining: number, resetMs: number, retryAfterMs: number) {
  const o: PolicyOutcome = {
    allowed,
    remaining,
    resetMs,
    retryAfterMs: allowed ? 0 : retryAfterMs,
  };
  return o;
}

const outcomes = fc
  .tuple(fc.boolean(), fc.nat(100), fc.nat(3_600_000), fc.nat(3_600_000))
  .map(([allowed, remaining, resetMs, retryAfterMs]) =>
    outcome(allowed, remaining, resetMs, retryAfterMs),
  );

describe('buildDecision', () => {
  it('decides a one-policy route as its policy did', () => {
    const key = { scope: 'GET /items/:id', identity: '203.0.113.7', policies: [hour] };
    fc.assert(
      fc.property(
        outcomes,
        fc.constantFrom('allowed', 'fallback') as fc.Arbitrary<'allowed'>,
        (o, given) => {
          const decision = buildDecision(key, [o], given, 'field');
          const result = {
            policy: hour,
            name: 'hour',
            allowed: o.allowed,
            quota: 100,
            remaining: o.remaining,
            resetMs: o.allowed ? o.resetMs : Math.max(o.resetMs, o.retryAfterMs),
            retryAfterMs: o.retryAfterMs,
          };
          expect(decision).toEqual({
            allowed: o.allowed,
            outcome: o.allowed ? given : 'limited',
            policy: 'hour',
            retryAfterMs: o.allowed ? 0 : o.retryAfterMs,
            policies: [result],
            tightest: result,
            policyField: 'field',
            key,
          });
          expect(decision.tightest).toBe(decision.policies[0]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with two policies, names the refusing one with the longest wait, else the tightest', () => {
    const key = { scope: 'GET /items/:id', identity: '203.0.113.7', policies: [burst, hour] };
    fc.assert(
      fc.property(outcomes, outcomes, (a, b) => {
        const decision = buildDecision(key, [a, b], 'allowed', 'field');
        expect(decision.allowed).toBe(a.allowed && b.allowed);
        expect(decision.retryAfterMs).toBe(Math.max(a.retryAfterMs, b.retryAfterMs));
        const refusing = [a, b]
          .map((o, i) => ({ o, name: i === 0 ? 'burst' : 'hour' }))
          .filter(({ o }) => !o.allowed);
        if (refusing.length > 0) {
          const longest = refusing.reduce((x, y) => (y.o.retryAfterMs > x.o.retryAfterMs ? y : x));
          expect(decision.policy).toBe(longest.name);
          expect(decision.outcome).toBe('limited');
        } else {
          expect(decision.policy).toBe(b.remaining < a.remaining ? 'hour' : 'burst');
        }
        expect(decision.tightest?.name).toBe(b.remaining < a.remaining ? 'hour' : 'burst');
      }),
      { numRuns: 500 },
    );
  });

  it("never tells a refused client its quota is back before Retry-After (a sliding window's 6th of 5)", () => {
    const login = resolvePolicy('login', { limit: 5, windowMs: 900_000 });
    const key = { scope: 'POST /login', identity: '203.0.113.7', policies: [login] };
    const now = 517_000;
    const state = {
      algorithm: 'sliding-window' as const,
      windowStart: 0,
      count: 5,
      previousCount: 0,
      blockedUntil: 0,
    };
    const evaluated = evaluatePolicy(login, state, now, 1);
    // The algorithm's own figures: the window turns before the weighted count lets one through.
    expect(evaluated.retryAfterMs).toBeGreaterThan(evaluated.resetMs);
    const decision = buildDecision(key, [evaluated], 'allowed', 'field');
    expect(decision.allowed).toBe(false);
    expect(decision.tightest?.resetMs).toBe(decision.retryAfterMs);
  });
});
