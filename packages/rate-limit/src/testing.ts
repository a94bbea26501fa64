/**
 * `@rampart/rate-limit/testing`: the conformance suite every `RateLimitStore` passes, exported
 * so a third-party store can prove the same contract. Needs Vitest. Time is passed to the store
 * in each check, so the suite walks a fake timeline and never sleeps.
 *
 * @example
 * describeRateLimitStoreConformance('my store', async () => ({ store: new MyRateLimitStore() }));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RateLimitPolicy, type ResolvedPolicy, resolvePolicy } from './policy.js';
import type { PolicyOutcome, RateLimitKey, RateLimitStore } from './store.js';

/** What the suite needs to drive one store. */
export interface RateLimitStoreHarness {
  store: RateLimitStore;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

let unique = 0;
/** A key no other test uses, so suites may share one backend. */
function keyOf(policies: Record<string, RateLimitPolicy>, scope = 'GET /items/:id'): RateLimitKey {
  unique++;
  const resolved: ResolvedPolicy[] = Object.entries(policies).map(([name, policy]) =>
    resolvePolicy(name, policy),
  );
  return {
    scope,
    identity: `ip:203.0.113.${unique % 250}|x:${process.pid}-${Date.now().toString(36)}-${unique}`,
    policies: resolved,
  };
}

/** An epoch ms on a whole-day boundary, so windows start where the tests expect. */
const T0 = Date.UTC(2026, 0, 1);

function pick(outcomes: readonly PolicyOutcome[]) {
  return outcomes.map(({ allowed, remaining, resetMs, retryAfterMs }) => ({
    allowed,
    remaining,
    resetMs,
    retryAfterMs,
  }));
}

/** Registers the `RateLimitStore` contract tests for one store. */
export function describeRateLimitStoreConformance(
  label: string,
  makeHarness: () => Promise<RateLimitStoreHarness> | RateLimitStoreHarness,
): void {
  describe(`RateLimitStore conformance: ${label}`, () => {
    let harness: RateLimitStoreHarness;
    beforeEach(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });
    const hit = (key: RateLimitKey, now: number, cost = 1) => harness.store.hit({ key, cost, now });

    it('fixed window: counts to the limit, refuses until the window ends, then starts over', async () => {
      const key = keyOf({ w: { algorithm: 'fixed-window', limit: 3, windowMs: 10_000 } });
      for (let i = 0; i < 3; i++) expect((await hit(key, T0 + 1000))[0]?.allowed).toBe(true);
      expect(pick(await hit(key, T0 + 4000))).toEqual([
        { allowed: false, remaining: 0, resetMs: 6000, retryAfterMs: 6000 },
      ]);
      expect(pick(await hit(key, T0 + 9999))[0]?.allowed).toBe(false);
      expect(pick(await hit(key, T0 + 10_000))).toEqual([
        { allowed: true, remaining: 2, resetMs: 10_000, retryAfterMs: 0 },
      ]);
    });

    it('sliding window: weighs the previous window by the share still covered', async () => {
      const key = keyOf({ s: { algorithm: 'sliding-window', limit: 10, windowMs: 10_000 } });
      for (let i = 0; i < 10; i++) expect((await hit(key, T0 + 5000))[0]?.allowed).toBe(true);
      // 25% into the next window the previous 10 weigh 7.5: two more fit (8.5, 9.5), not three.
      expect(pick(await hit(key, T0 + 12_500))).toEqual([
        { allowed: true, remaining: 1, resetMs: 7500, retryAfterMs: 0 },
      ]);
      expect((await hit(key, T0 + 12_500))[0]?.allowed).toBe(true);
      const refused = pick(await hit(key, T0 + 12_500))[0];
      // 7.5 + 2 + 1 > 10 until the previous window weighs 7, 500 ms later.
      expect(refused).toEqual({ allowed: false, remaining: 0, resetMs: 7500, retryAfterMs: 500 });
      expect((await hit(key, T0 + 12_999))[0]?.allowed).toBe(false);
      expect((await hit(key, T0 + 13_000))[0]?.allowed).toBe(true);
    });

    it('GCRA: a burst at once, then one request per emission interval', async () => {
      const key = keyOf({ g: { algorithm: 'gcra', limit: 10, windowMs: 10_000, burst: 3 } });
      const first = pick(await hit(key, T0));
      expect(first).toEqual([{ allowed: true, remaining: 2, resetMs: 1000, retryAfterMs: 0 }]);
      expect((await hit(key, T0))[0]?.allowed).toBe(true);
      expect((await hit(key, T0))[0]?.allowed).toBe(true);
      expect(pick(await hit(key, T0))).toEqual([
        { allowed: false, remaining: 0, resetMs: 3000, retryAfterMs: 1000 },
      ]);
      expect((await hit(key, T0 + 999))[0]?.allowed).toBe(false);
      expect((await hit(key, T0 + 1000))[0]?.allowed).toBe(true);
      expect((await hit(key, T0 + 1000))[0]?.allowed).toBe(false);
    });

    it('spends a cost above 1 and refuses a cost that does not fit', async () => {
      const key = keyOf({ w: { algorithm: 'fixed-window', limit: 10, windowMs: 60_000 } });
      expect(pick(await hit(key, T0, 7))[0]).toMatchObject({ allowed: true, remaining: 3 });
      expect(pick(await hit(key, T0, 4))[0]).toMatchObject({ allowed: false, remaining: 3 });
      expect(pick(await hit(key, T0, 3))[0]).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('checks every policy in one step: a refusal by one spends nothing of the others', async () => {
      const key = keyOf({
        burst: { algorithm: 'gcra', limit: 2, windowMs: 1000 },
        daily: { algorithm: 'fixed-window', limit: 5, windowMs: 86_400_000 },
      });
      expect((await hit(key, T0)).map((o) => o.allowed)).toEqual([true, true]);
      expect((await hit(key, T0)).map((o) => o.allowed)).toEqual([true, true]);
      expect((await hit(key, T0)).map((o) => o.allowed)).toEqual([false, true]);
      const after = await hit(key, T0 + 1000);
      expect(after.map((o) => o.allowed)).toEqual([true, true]);
      expect(after[1]?.remaining).toBe(2);
    });

    it('blocks a client for blockMs after a refusal, across window boundaries, without extending it', async () => {
      const key = keyOf({
        login: { algorithm: 'fixed-window', limit: 2, windowMs: 1000, blockMs: 5000 },
      });
      await hit(key, T0);
      await hit(key, T0);
      expect(pick(await hit(key, T0 + 100))[0]).toMatchObject({
        allowed: false,
        retryAfterMs: 5000,
      });
      expect(pick(await hit(key, T0 + 3000))[0]).toMatchObject({
        allowed: false,
        retryAfterMs: 2100,
      });
      expect((await hit(key, T0 + 5100))[0]?.allowed).toBe(true);
    });

    it("keeps a block that starts inside a longer policy's life, and that policy's count with it", async () => {
      // The block (5 s) ends long before the daily counter expires: only the burst state changes.
      const key = keyOf({
        burst: { algorithm: 'fixed-window', limit: 1, windowMs: 1000, blockMs: 5000 },
        daily: { algorithm: 'fixed-window', limit: 100, windowMs: 86_400_000 },
      });
      expect((await hit(key, T0)).map((o) => o.allowed)).toEqual([true, true]);
      expect((await hit(key, T0 + 10)).map((o) => o.allowed)).toEqual([false, true]);
      const blocked = pick(await hit(key, T0 + 2000));
      expect(blocked[0]).toMatchObject({ allowed: false, retryAfterMs: 3010 });
      expect(blocked[1]?.allowed).toBe(true);
      // The refused checks spent nothing of the daily quota: this is its second request.
      const after = pick(await hit(key, T0 + 5010));
      expect(after.map((o) => o.allowed)).toEqual([true, true]);
      expect(after[1]?.remaining).toBe(98);
    });

    it('peek answers without counting; reset forgets; reward and penalty move the counter', async () => {
      const key = keyOf({ w: { algorithm: 'fixed-window', limit: 3, windowMs: 60_000 } });
      await hit(key, T0);
      expect(pick(await harness.store.peek({ key, cost: 1, now: T0 }))[0]).toMatchObject({
        allowed: true,
        remaining: 1,
      });
      expect(pick(await harness.store.peek({ key, cost: 1, now: T0 }))[0]).toMatchObject({
        remaining: 1,
      });
      await harness.store.adjust({ key, now: T0, delta: 2, blockUntil: 0 });
      expect((await hit(key, T0))[0]?.allowed).toBe(false);
      await harness.store.adjust({ key, now: T0, delta: -1, blockUntil: 0 });
      expect(pick(await hit(key, T0))[0]).toMatchObject({ allowed: true, remaining: 0 });
      await harness.store.reset(key);
      expect(pick(await hit(key, T0))[0]).toMatchObject({ allowed: true, remaining: 2 });
      await harness.store.adjust({ key, now: T0, delta: 0, blockUntil: T0 + 10_000 });
      expect(pick(await hit(key, T0 + 1))[0]).toMatchObject({ allowed: false, retryAfterMs: 9999 });
    });

    it('peek, reset, reward and penalty cover every policy of a key', async () => {
      const key = keyOf({
        minute: { algorithm: 'sliding-window', limit: 3, windowMs: 60_000 },
        burst: { algorithm: 'gcra', limit: 4, windowMs: 4000 },
      });
      await hit(key, T0);
      const peek = async () =>
        pick(await harness.store.peek({ key, cost: 1, now: T0 })).map((o) => o.remaining);
      expect(await peek()).toEqual([1, 2]);
      await harness.store.adjust({ key, now: T0, delta: 1, blockUntil: 0 });
      expect(await peek()).toEqual([0, 1]);
      expect((await hit(key, T0)).map((o) => o.allowed)).toEqual([true, true]);
      expect((await hit(key, T0)).map((o) => o.allowed)).toEqual([false, true]);
      await harness.store.adjust({ key, now: T0, delta: -2, blockUntil: 0 });
      expect(await peek()).toEqual([1, 2]);
      await harness.store.adjust({ key, now: T0, delta: 0, blockUntil: T0 + 10_000 });
      expect(pick(await hit(key, T0 + 1)).map((o) => [o.allowed, o.retryAfterMs])).toEqual([
        [false, 9999],
        [false, 9999],
      ]);
      await harness.store.reset(key);
      expect(await peek()).toEqual([2, 3]);
    });

    it('starts the block of only the policies that refused, whatever their algorithm', async () => {
      const key = keyOf({
        minute: { algorithm: 'sliding-window', limit: 2, windowMs: 60_000, blockMs: 120_000 },
        burst: { algorithm: 'gcra', limit: 1, windowMs: 1000, blockMs: 30_000 },
        daily: { algorithm: 'fixed-window', limit: 100, windowMs: 86_400_000 },
      });
      const allowed = async (now: number) => (await hit(key, now)).map((o) => o.allowed);
      expect(await allowed(T0)).toEqual([true, true, true]);
      // GCRA refuses (one a second) and blocks 30 s; the sliding window still admits.
      const refused = pick(await hit(key, T0 + 10));
      expect(refused.map((o) => [o.allowed, o.retryAfterMs])).toEqual([
        [true, 0],
        [false, 30_000],
        [true, 0],
      ]);
      expect(await allowed(T0 + 29_000)).toEqual([true, false, true]);
      expect(await allowed(T0 + 30_010)).toEqual([true, true, true]);
      // Two in the minute now: the sliding window refuses and blocks 2 min; nothing was counted.
      const blocked = pick(await hit(key, T0 + 40_000));
      expect(blocked.map((o) => [o.allowed, o.retryAfterMs])).toEqual([
        [false, 120_000],
        [true, 0],
        [true, 0],
      ]);
      expect(pick(await hit(key, T0 + 100_000))[0]).toMatchObject({
        allowed: false,
        retryAfterMs: 60_000,
      });
      const after = pick(await hit(key, T0 + 160_000));
      expect(after.map((o) => o.allowed)).toEqual([true, true, true]);
      expect(after[2]?.remaining).toBe(97);
    });

    it('keeps scopes and identities apart', async () => {
      const policies = { w: { algorithm: 'fixed-window' as const, limit: 1, windowMs: 60_000 } };
      const a = keyOf(policies, 'GET /a');
      const b: RateLimitKey = { ...a, scope: 'POST /a' };
      const c: RateLimitKey = { ...a, identity: `${a.identity}x` };
      expect((await hit(a, T0))[0]?.allowed).toBe(true);
      expect((await hit(b, T0))[0]?.allowed).toBe(true);
      expect((await hit(c, T0))[0]?.allowed).toBe(true);
      expect((await hit(a, T0))[0]?.allowed).toBe(false);
    });

    it.each(['fixed-window', 'sliding-window', 'gcra'] as const)(
      '%s: of 1000 concurrent requests for one key exactly 100 pass',
      async (algorithm) => {
        const key = keyOf({ w: { algorithm, limit: 100, windowMs: 3_600_000 } });
        const outcomes = await Promise.all(Array.from({ length: 1000 }, () => hit(key, T0 + 1000)));
        expect(outcomes.filter((o) => o[0]?.allowed === true)).toHaveLength(100);
      },
    );
  });
}
