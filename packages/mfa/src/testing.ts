/**
 * `@rampart/mfa/testing`: the conformance suite every `MfaStore` passes, exported so a
 * third-party store can prove the same contract, and code helpers for tests. Needs Vitest.
 *
 * @example
 * describeMfaStoreConformance('my store', async () => ({
 *   store: new MyMfaStore(), now: () => Date.now(),
 *   elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
 * }));
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptContext, EnableRecord, LockoutPolicy, MfaStore } from './store.js';

export { createFakeClock, type FakeClock } from '@rampart/core';
/** The code of a secret at a time step, and the step of a time: for tests and demos. */
export { timeStepAt, totpCodeAt } from './totp.js';

/** What the conformance suite needs to drive one store. */
export interface MfaStoreHarness {
  store: MfaStore;
  /** The store's "now", epoch ms (a fake clock, or `Date.now` when the server keeps time). */
  now(): number;
  /** Lets `ms` pass for the store: advance its fake clock, or really wait. Waits stay under 200 ms. */
  elapse(ms: number): Promise<void>;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

const id = () => randomBytes(12).toString('base64url');
/** Stands for a sealed secret: the store only compares and returns it. */
const sealed = () => `v1.k1.${id()}.${id()}`;
const hash = () => `h1.p1.${randomBytes(32).toString('base64url')}`;
const POLICY: LockoutPolicy = { maxFailures: 5, windowMs: 60_000, lockMs: 120_000 };

/** Registers the `MfaStore` contract tests for one store. */
export function describeMfaStoreConformance(
  label: string,
  makeHarness: () => Promise<MfaStoreHarness> | MfaStoreHarness,
): void {
  describe(`MfaStore conformance: ${label}`, () => {
    let harness: MfaStoreHarness;
    let store: MfaStore;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    const at = (policy: LockoutPolicy = POLICY): AttemptContext => ({ policy, now: harness.now() });

    /** A user with MFA enabled at step 1000 and `codes` recovery hashes. */
    async function enabledUser(codes: string[] = [hash(), hash()]) {
      const userId = `user:${id()}`;
      const secret = sealed();
      expect(await store.setPending(userId, secret, harness.now() + 60_000, harness.now())).toBe(
        'set',
      );
      const record: EnableRecord = { secret, step: 1000, recoveryCodeHashes: codes };
      expect(await store.enable(userId, record, harness.now())).toBe('enabled');
      return { userId, secret, codes };
    }

    it('knows nothing of a user it never saw', async () => {
      const userId = id();
      expect(await store.read(userId, harness.now())).toEqual({
        secret: undefined,
        pending: undefined,
        recoveryCodesRemaining: 0,
        lockedUntil: undefined,
      });
      expect(await store.attemptTotp(userId, { secret: sealed(), step: 5 }, at())).toEqual({
        outcome: 'not-enabled',
      });
      expect(await store.attemptRecoveryCode(userId, [hash()], at())).toEqual({
        outcome: 'not-enabled',
      });
      expect(await store.disable(userId)).toBe(false);
      expect(await store.replaceRecoveryCodes(userId, [hash()])).toBe(false);
    });

    it('keeps a pending secret until it expires, and a new setup replaces it', async () => {
      const userId = id();
      const first = sealed();
      const second = sealed();
      await store.setPending(userId, first, harness.now() + 60_000, harness.now());
      expect((await store.read(userId, harness.now())).pending).toBe(first);
      await store.setPending(userId, second, harness.now() + 100, harness.now());
      expect((await store.read(userId, harness.now())).pending).toBe(second);
      // The replaced secret cannot be enabled.
      const record = { secret: first, step: 1, recoveryCodeHashes: [hash()] };
      expect(await store.enable(userId, record, harness.now())).toBe('conflict');
      await harness.elapse(150);
      expect((await store.read(userId, harness.now())).pending).toBeUndefined();
      expect(await store.enable(userId, { ...record, secret: second }, harness.now())).toBe(
        'conflict',
      );
      expect((await store.read(userId, harness.now())).secret).toBeUndefined();
    });

    it('enables the pending secret once, with its recovery codes; setup is then refused', async () => {
      const { userId, secret } = await enabledUser([hash(), hash(), hash()]);
      expect(await store.read(userId, harness.now())).toEqual({
        secret,
        pending: undefined,
        recoveryCodesRemaining: 3,
        lockedUntil: undefined,
      });
      expect(await store.setPending(userId, sealed(), harness.now() + 60_000, harness.now())).toBe(
        'enabled',
      );
      expect(
        await store.enable(userId, { secret, step: 2000, recoveryCodeHashes: [] }, harness.now()),
      ).toBe('conflict');
    });

    it('lets one of 10 concurrent enables of one pending secret win', async () => {
      const userId = id();
      const secret = sealed();
      await store.setPending(userId, secret, harness.now() + 60_000, harness.now());
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          store.enable(
            userId,
            { secret, step: index, recoveryCodeHashes: [hash()] },
            harness.now(),
          ),
        ),
      );
      expect(results.filter((result) => result === 'enabled')).toHaveLength(1);
      expect((await store.read(userId, harness.now())).recoveryCodesRemaining).toBe(1);
    });

    it('answers stale with the current secret when the caller computed with another', async () => {
      const { userId, secret } = await enabledUser();
      expect(await store.attemptTotp(userId, { secret: undefined, step: undefined }, at())).toEqual(
        { outcome: 'stale', secret },
      );
      expect(await store.attemptTotp(userId, { secret: sealed(), step: 2000 }, at())).toEqual({
        outcome: 'stale',
        secret,
      });
      // Nothing was counted or advanced: the step is still acceptable.
      expect(await store.attemptTotp(userId, { secret, step: 2000 }, at())).toEqual({
        outcome: 'accepted',
      });
    });

    it('accepts a step once, refuses it and every older step after, accepts a newer one', async () => {
      const { userId, secret } = await enabledUser();
      expect((await store.attemptTotp(userId, { secret, step: 1000 }, at())).outcome).toBe(
        'replayed',
      );
      expect((await store.attemptTotp(userId, { secret, step: 1005 }, at())).outcome).toBe(
        'accepted',
      );
      expect((await store.attemptTotp(userId, { secret, step: 1005 }, at())).outcome).toBe(
        'replayed',
      );
      expect((await store.attemptTotp(userId, { secret, step: 1004 }, at())).outcome).toBe(
        'replayed',
      );
      expect((await store.attemptTotp(userId, { secret, step: 1006 }, at())).outcome).toBe(
        'accepted',
      );
      // Replays are not failures: the user is not locked after many.
      for (let index = 0; index < POLICY.maxFailures + 1; index++) {
        await store.attemptTotp(userId, { secret, step: 1006 }, at());
      }
      expect((await store.read(userId, harness.now())).lockedUntil).toBeUndefined();
    });

    it('accepts exactly one of 20 concurrent attempts of one step', async () => {
      const { userId, secret } = await enabledUser();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.attemptTotp(userId, { secret, step: 1001 }, at())),
      );
      const outcomes = results.map((result) => result.outcome);
      expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'replayed')).toHaveLength(19);
    });

    it('counts wrong codes, locks at maxFailures, refuses the right step while locked', async () => {
      const { userId, secret } = await enabledUser();
      for (let failures = 1; failures < POLICY.maxFailures; failures++) {
        expect(await store.attemptTotp(userId, { secret, step: undefined }, at())).toEqual({
          outcome: 'wrong',
          failures,
        });
      }
      const locking = harness.now();
      expect(await store.attemptTotp(userId, { secret, step: undefined }, at())).toEqual({
        outcome: 'locked',
        lockedUntil: locking + POLICY.lockMs,
        engaged: true,
      });
      expect(await store.attemptTotp(userId, { secret, step: 1001 }, at())).toEqual({
        outcome: 'locked',
        lockedUntil: locking + POLICY.lockMs,
        engaged: false,
      });
      expect((await store.attemptRecoveryCode(userId, [hash()], at())).outcome).toBe('locked');
      expect((await store.recordFailure(userId, at())).outcome).toBe('locked');
      expect((await store.read(userId, harness.now())).lockedUntil).toBe(locking + POLICY.lockMs);
    });

    it('lets the lock and the failure window end', async () => {
      const { userId, secret } = await enabledUser();
      const short: LockoutPolicy = { maxFailures: 2, windowMs: 100, lockMs: 100 };
      expect(
        (await store.attemptTotp(userId, { secret, step: undefined }, at(short))).outcome,
      ).toBe('wrong');
      await harness.elapse(150);
      // The window ended: counting starts again at 1.
      expect(await store.attemptTotp(userId, { secret, step: undefined }, at(short))).toEqual({
        outcome: 'wrong',
        failures: 1,
      });
      expect((await store.recordFailure(userId, at(short))).outcome).toBe('locked');
      await harness.elapse(150);
      expect((await store.attemptTotp(userId, { secret, step: 1001 }, at(short))).outcome).toBe(
        'accepted',
      );
    });

    it('engages the lock once under 20 concurrent wrong codes; no step passes after', async () => {
      const { userId, secret } = await enabledUser();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.attemptTotp(userId, { secret, step: undefined }, at()),
        ),
      );
      const engaged = results.filter((result) => result.outcome === 'locked' && result.engaged);
      expect(engaged).toHaveLength(1);
      expect(results.filter((result) => result.outcome === 'wrong')).toHaveLength(
        POLICY.maxFailures - 1,
      );
      expect((await store.attemptTotp(userId, { secret, step: 1002 }, at())).outcome).toBe(
        'locked',
      );
    });

    it('counts failures outside attempts, also for a user without MFA', async () => {
      const userId = id();
      for (let failures = 1; failures < POLICY.maxFailures; failures++) {
        expect(await store.recordFailure(userId, at())).toEqual({ outcome: 'wrong', failures });
      }
      expect(await store.recordFailure(userId, at())).toMatchObject({
        outcome: 'locked',
        engaged: true,
      });
      expect((await store.read(userId, harness.now())).lockedUntil).toBeGreaterThan(harness.now());
    });

    it('consumes a recovery code once and counts an unknown one', async () => {
      const codes = [hash(), hash(), hash()];
      const { userId } = await enabledUser(codes);
      // Any of the hashes given (one per pepper) finds it.
      expect(await store.attemptRecoveryCode(userId, [hash(), codes[1] as string], at())).toEqual({
        outcome: 'accepted',
        remaining: 2,
      });
      expect(await store.attemptRecoveryCode(userId, [codes[1] as string], at())).toEqual({
        outcome: 'wrong',
        failures: 1,
      });
      expect((await store.read(userId, harness.now())).recoveryCodesRemaining).toBe(2);
    });

    it('lets exactly one of 20 concurrent uses of a recovery code succeed', async () => {
      const codes = [hash(), hash()];
      const { userId } = await enabledUser(codes);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.attemptRecoveryCode(
            userId,
            [codes[0] as string],
            at({ ...POLICY, maxFailures: 100 }),
          ),
        ),
      );
      expect(results.filter((result) => result.outcome === 'accepted')).toHaveLength(1);
      expect((await store.read(userId, harness.now())).recoveryCodesRemaining).toBe(1);
    });

    it('replaces the recovery codes of an enabled user', async () => {
      const codes = [hash(), hash()];
      const { userId } = await enabledUser(codes);
      const fresh = [hash(), hash(), hash()];
      expect(await store.replaceRecoveryCodes(userId, fresh)).toBe(true);
      expect((await store.attemptRecoveryCode(userId, [codes[0] as string], at())).outcome).toBe(
        'wrong',
      );
      expect((await store.attemptRecoveryCode(userId, [fresh[2] as string], at())).outcome).toBe(
        'accepted',
      );
      expect((await store.read(userId, harness.now())).recoveryCodesRemaining).toBe(2);
    });

    it('disables: secret, step and codes go, the lock stays', async () => {
      const { userId, secret, codes } = await enabledUser();
      await store.recordFailure(userId, at({ ...POLICY, maxFailures: 1 }));
      expect(await store.disable(userId)).toBe(true);
      expect(await store.disable(userId)).toBe(false);
      const state = await store.read(userId, harness.now());
      expect(state.secret).toBeUndefined();
      expect(state.recoveryCodesRemaining).toBe(0);
      expect(state.lockedUntil).toBeGreaterThan(harness.now());
      expect(await store.replaceRecoveryCodes(userId, codes)).toBe(false);
      // Set up again: a new secret from step 0 (the old last step is gone).
      const next = sealed();
      await store.setPending(userId, next, harness.now() + 60_000, harness.now());
      expect(
        await store.enable(
          userId,
          { secret: next, step: 10, recoveryCodeHashes: [] },
          harness.now(),
        ),
      ).toBe('enabled');
      expect((await store.read(userId, harness.now())).secret).toBe(next);
      expect(secret).not.toBe(next);
    });

    it('keeps users apart, including ids that would collide if joined naively', async () => {
      const { userId, secret } = await enabledUser();
      for (const other of [`${userId}:state`, `{${userId}}`, userId.toUpperCase(), `${userId} `]) {
        expect((await store.attemptTotp(other, { secret, step: 1001 }, at())).outcome).toBe(
          'not-enabled',
        );
        await store.recordFailure(other, at({ ...POLICY, maxFailures: 1 }));
      }
      expect((await store.attemptTotp(userId, { secret, step: 1001 }, at())).outcome).toBe(
        'accepted',
      );
    });

    it('finds a challenge by any of its hashes and consumes it once, for its user only', async () => {
      const token = hash();
      const userId = id();
      await store.createChallenge(token, userId, harness.now() + 60_000, harness.now());
      expect(await store.findChallenge([hash(), token], harness.now())).toBe(userId);
      expect(await store.consumeChallenge(token, 'someone-else', harness.now())).toBe(false);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.consumeChallenge(token, userId, harness.now())),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.findChallenge([token], harness.now())).toBeUndefined();
    });

    it('forgets an expired challenge', async () => {
      const token = hash();
      const userId = id();
      await store.createChallenge(token, userId, harness.now() + 100, harness.now());
      await harness.elapse(150);
      expect(await store.findChallenge([token], harness.now())).toBeUndefined();
      expect(await store.consumeChallenge(token, userId, harness.now())).toBe(false);
    });

    it('purges everything of a user and nothing of another', async () => {
      const { userId } = await enabledUser();
      const other = await enabledUser();
      const token = hash();
      const otherToken = hash();
      await store.createChallenge(token, userId, harness.now() + 60_000, harness.now());
      await store.createChallenge(otherToken, other.userId, harness.now() + 60_000, harness.now());
      await store.recordFailure(userId, at());
      await store.purgeUser(userId);
      expect(await store.read(userId, harness.now())).toEqual({
        secret: undefined,
        pending: undefined,
        recoveryCodesRemaining: 0,
        lockedUntil: undefined,
      });
      expect(await store.findChallenge([token], harness.now())).toBeUndefined();
      expect(await store.findChallenge([otherToken], harness.now())).toBe(other.userId);
      expect((await store.read(other.userId, harness.now())).secret).toBe(other.secret);
    });
  });
}
