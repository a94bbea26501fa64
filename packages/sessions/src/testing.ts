/**
 * `@rampart/sessions/testing`: the conformance suites every `SessionStore` and
 * `TrustedDeviceStore` pass, exported so a third-party store can prove the same contract. Needs
 * Vitest. Every store method takes `now` from its caller, so the suites move time themselves.
 *
 * @example
 * describeSessionStoreConformance('my store', async () => ({ store: new MySessionStore() }));
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionCap, SessionRecord, SessionStore, SessionTiming } from './store.js';
import { newSessionToken, type SessionRef, sessionUserKey } from './token.js';
import type { TrustedDeviceRecord, TrustedDeviceStore } from './trusted-device-store.js';

export { createFakeClock, type FakeClock } from '@rampart/core';

/** What the session conformance suite needs to drive one store. */
export interface SessionStoreHarness {
  store: SessionStore;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

/** What the trusted-device conformance suite needs to drive one store. */
export interface TrustedDeviceStoreHarness {
  store: TrustedDeviceStore;
  cleanup?(): Promise<void>;
}

const MINUTE = 60_000;
const TIMING: SessionTiming = {
  idleMs: 30 * MINUTE,
  touchIntervalMs: MINUTE,
  retentionMs: 60 * MINUTE,
};
const CAP: SessionCap = { max: 3, policy: 'evict-lru' };
const ABSOLUTE = 12 * 60 * MINUTE;

const userOf = () => `user-${randomBytes(6).toString('hex')}`;

/** A record and the ref its token opens, for `userId`, begun at `now`. */
function session(userId: string, now: number, overrides: Partial<SessionRecord> = {}) {
  const { ref } = newSessionToken(userId);
  const record: SessionRecord = {
    id: ref.id,
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + ABSOLUTE,
    mfaAt: undefined,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    ip: '203.0.113.7',
    binding: 'b1.family.128.platform..lang.enc.net',
    ...overrides,
  };
  return { ref, record };
}

/** Registers the `SessionStore` contract tests for one store. */
export function describeSessionStoreConformance(
  label: string,
  makeHarness: () => Promise<SessionStoreHarness> | SessionStoreHarness,
): void {
  describe(`SessionStore conformance: ${label}`, () => {
    let harness: SessionStoreHarness;
    let store: SessionStore;
    // Every operation takes `now` from here, so the suite never sleeps.
    let now: number;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
      now = Date.now();
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    async function started(userId = userOf(), overrides: Partial<SessionRecord> = {}) {
      const made = session(userId, now, overrides);
      expect(await store.create(made.record, CAP, TIMING, now)).toEqual({
        created: true,
        evicted: [],
      });
      return made;
    }

    it('finds a session it holds, every field as written, and nothing it does not', async () => {
      const { ref, record } = await started(userOf(), { mfaAt: now - 5 });
      expect(await store.authenticate(ref, TIMING, now)).toEqual({
        status: 'active',
        record,
        touched: false,
      });
      expect(await store.authenticate(newSessionToken('nobody').ref, TIMING, now)).toEqual({
        status: 'absent',
      });
    });

    it('finds a session only under the user key it was issued with (id and owner both match)', async () => {
      const { ref } = await started();
      const other = sessionUserKey(userOf());
      expect(await store.authenticate({ id: ref.id, userKey: other }, TIMING, now)).toEqual({
        status: 'absent',
      });
      expect(
        await store.authenticate(
          { id: newSessionToken('x').ref.id, userKey: ref.userKey },
          TIMING,
          now,
        ),
      ).toEqual({
        status: 'absent',
      });
    });

    it('times out after the idle timeout, to the millisecond, and says which timeout', async () => {
      const { ref } = await started();
      expect((await store.authenticate(ref, TIMING, now + TIMING.idleMs - 1)).status).toBe(
        'active',
      );
      const idle = { ...TIMING, touchIntervalMs: ABSOLUTE };
      const { ref: quiet } = await started();
      expect(await store.authenticate(quiet, idle, now + TIMING.idleMs)).toEqual({
        status: 'expired',
        timeout: 'idle',
      });
    });

    it('times out at the absolute timeout however busy the session is', async () => {
      const { ref } = await started();
      let at = now;
      while (at + 20 * MINUTE < now + ABSOLUTE) {
        at += 20 * MINUTE;
        expect((await store.authenticate(ref, TIMING, at)).status).toBe('active');
      }
      expect((await store.authenticate(ref, TIMING, now + ABSOLUTE - 1)).status).toBe('active');
      expect(await store.authenticate(ref, TIMING, now + ABSOLUTE)).toEqual({
        status: 'expired',
        timeout: 'absolute',
      });
    });

    it('refreshes lastSeenAt only once a touch interval has passed', async () => {
      const { ref } = await started();
      const early = await store.authenticate(ref, TIMING, now + TIMING.touchIntervalMs - 1);
      expect(early).toMatchObject({
        status: 'active',
        touched: false,
        record: { lastSeenAt: now },
      });
      const due = await store.authenticate(ref, TIMING, now + TIMING.touchIntervalMs);
      expect(due).toMatchObject({
        status: 'active',
        touched: true,
        record: { lastSeenAt: now + TIMING.touchIntervalMs },
      });
      // The refresh moved the idle clock.
      const later = now + TIMING.touchIntervalMs + TIMING.idleMs - 1;
      expect(
        (await store.authenticate(ref, { ...TIMING, touchIntervalMs: ABSOLUTE }, later)).status,
      ).toBe('active');
    });

    it('refreshes on every read with a touch interval of 0', async () => {
      const { ref } = await started();
      const timing = { ...TIMING, touchIntervalMs: 0 };
      expect(await store.authenticate(ref, timing, now)).toMatchObject({ touched: true });
      expect(await store.authenticate(ref, timing, now + 1)).toMatchObject({
        touched: true,
        record: { lastSeenAt: now + 1 },
      });
    });

    it('remembers a timed-out session for the retention, then forgets it', async () => {
      const { ref } = await started();
      const quiet = { ...TIMING, touchIntervalMs: ABSOLUTE };
      const death = now + TIMING.idleMs;
      expect((await store.authenticate(ref, quiet, death + TIMING.retentionMs - 1)).status).toBe(
        'expired',
      );
      expect(await store.authenticate(ref, quiet, death + TIMING.retentionMs)).toEqual({
        status: 'absent',
      });
    });

    it('evicts the least recently seen session at the cap (evict-lru)', async () => {
      const userId = userOf();
      const first = await started(userId);
      now += 1000;
      const second = await started(userId);
      now += 1000;
      const third = await started(userId);
      now += TIMING.touchIntervalMs;
      await store.authenticate(first.ref, TIMING, now); // first is now the most recent
      const fourth = session(userId, now);
      expect(await store.create(fourth.record, CAP, TIMING, now)).toEqual({
        created: true,
        evicted: [second.record.id],
      });
      expect(await store.authenticate(second.ref, TIMING, now)).toEqual({ status: 'absent' });
      const ids = (await store.list(userId, TIMING, now)).map((record) => record.id).sort();
      expect(ids).toEqual([first.record.id, third.record.id, fourth.record.id].sort());
    });

    it('refuses a new session at the cap (reject-new) and keeps the others', async () => {
      const userId = userOf();
      for (let i = 0; i < 3; i++) await started(userId);
      const extra = session(userId, now);
      expect(
        await store.create(extra.record, { max: 3, policy: 'reject-new' }, TIMING, now),
      ).toEqual({
        created: false,
        evicted: [],
      });
      expect(await store.authenticate(extra.ref, TIMING, now)).toEqual({ status: 'absent' });
      expect(await store.list(userId, TIMING, now)).toHaveLength(3);
    });

    it('does not count timed-out sessions against the cap', async () => {
      const userId = userOf();
      for (let i = 0; i < 3; i++) await started(userId);
      now += TIMING.idleMs;
      const fresh = session(userId, now);
      expect(
        await store.create(fresh.record, { max: 3, policy: 'reject-new' }, TIMING, now),
      ).toEqual({
        created: true,
        evicted: [],
      });
    });

    for (const policy of ['evict-lru', 'reject-new'] as const) {
      it(`holds the cap under 20 concurrent sign-ins (${policy}): exactly 3 live sessions`, async () => {
        const userId = userOf();
        const made = Array.from({ length: 20 }, () => session(userId, now));
        const outcomes = await Promise.all(
          made.map(({ record }) => store.create(record, { max: 3, policy }, TIMING, now)),
        );
        const live = await store.list(userId, TIMING, now);
        expect(live).toHaveLength(3);
        const created = outcomes.filter((outcome) => outcome.created).length;
        expect(created).toBe(policy === 'evict-lru' ? 20 : 3);
        const alive = await Promise.all(
          made.map(({ ref }) => store.authenticate(ref, TIMING, now)),
        );
        expect(alive.filter((lookup) => lookup.status === 'active')).toHaveLength(3);
      });
    }

    it('replaces a live session at once: the old id is gone, the new one live', async () => {
      const { ref, record } = await started();
      const next = session(record.userId, now, { createdAt: record.createdAt, mfaAt: now });
      expect(await store.replace(ref, next.record, TIMING, now)).toBe(true);
      expect(await store.authenticate(ref, TIMING, now)).toEqual({ status: 'absent' });
      expect(await store.authenticate(next.ref, TIMING, now)).toMatchObject({
        status: 'active',
        record: next.record,
      });
      const again = session(record.userId, now);
      expect(await store.replace(ref, again.record, TIMING, now)).toBe(false);
      expect((await store.authenticate(again.ref, TIMING, now)).status).toBe('absent');
    });

    it('lets exactly one of 10 concurrent replacements of one session win', async () => {
      const { ref, record } = await started();
      const nexts = Array.from({ length: 10 }, () => session(record.userId, now));
      const won = await Promise.all(
        nexts.map((next) => store.replace(ref, next.record, TIMING, now)),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await store.list(record.userId, TIMING, now)).toHaveLength(1);
    });

    it('does not replace a timed-out session', async () => {
      const { ref, record } = await started();
      const later = now + TIMING.idleMs;
      expect(await store.replace(ref, session(record.userId, later).record, TIMING, later)).toBe(
        false,
      );
    });

    it('records a sighting on a held session and keeps its lastSeenAt', async () => {
      const { ref, record } = await started();
      now += TIMING.touchIntervalMs;
      await store.authenticate(ref, TIMING, now);
      const seen = {
        ...record,
        binding: 'b1.other',
        ip: '203.0.113.9',
        userAgent: 'Firefox/129.0',
      };
      expect(await store.record(ref, seen)).toBe(true);
      expect(await store.authenticate(ref, TIMING, now)).toMatchObject({
        status: 'active',
        record: {
          binding: 'b1.other',
          ip: '203.0.113.9',
          userAgent: 'Firefox/129.0',
          lastSeenAt: now,
        },
      });
      await store.revoke(record.userId, record.id);
      expect(await store.record(ref, seen)).toBe(false);
    });

    it("lists a user's live sessions only", async () => {
      const userId = userOf();
      const a = await started(userId);
      const b = await started(userId);
      await started(userOf());
      const ids = (await store.list(userId, TIMING, now)).map((record) => record.id).sort();
      expect(ids).toEqual([a.record.id, b.record.id].sort());
      expect(await store.list(userId, TIMING, now + TIMING.idleMs)).toEqual([]);
    });

    it("revokes one session of its user only; another user's id is not theirs", async () => {
      const { record } = await started();
      const other = userOf();
      expect(await store.revoke(other, record.id)).toBe(false);
      expect(await store.list(record.userId, TIMING, now)).toHaveLength(1);
      expect(await store.revoke(record.userId, record.id)).toBe(true);
      expect(await store.revoke(record.userId, record.id)).toBe(false);
      expect(await store.list(record.userId, TIMING, now)).toEqual([]);
    });

    it('revokes every other session, and all of them', async () => {
      const userId = userOf();
      const keep = await started(userId);
      await started(userId);
      await started(userId);
      const bystander = await started(userOf());
      expect(await store.revokeOthers(userId, keep.record.id)).toBe(2);
      expect((await store.list(userId, TIMING, now)).map((record) => record.id)).toEqual([
        keep.record.id,
      ]);
      await store.revokeAllForUser(userId);
      expect(await store.authenticate(keep.ref, TIMING, now)).toEqual({ status: 'absent' });
      expect((await store.authenticate(bystander.ref, TIMING, now)).status).toBe('active');
    });

    it('purges a user: nothing of theirs is found afterwards; purging twice is fine', async () => {
      const { ref, record } = await started();
      await store.purgeUser(record.userId);
      await store.purgeUser(record.userId);
      expect(await store.authenticate(ref, TIMING, now)).toEqual({ status: 'absent' });
      expect(await store.list(record.userId, TIMING, now)).toEqual([]);
    });
  });
}

/** Registers the `TrustedDeviceStore` contract tests for one store. */
export function describeTrustedDeviceStoreConformance(
  label: string,
  makeHarness: () => Promise<TrustedDeviceStoreHarness> | TrustedDeviceStoreHarness,
): void {
  describe(`TrustedDeviceStore conformance: ${label}`, () => {
    let harness: TrustedDeviceStoreHarness;
    let store: TrustedDeviceStore;
    let now: number;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
      now = Date.now();
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    const device = (
      userId: string,
      overrides: Partial<TrustedDeviceRecord> = {},
    ): TrustedDeviceRecord => ({
      id: randomBytes(32).toString('base64url').slice(0, 43),
      userId,
      createdAt: now,
      expiresAt: now + 30 * 24 * 60 * MINUTE,
      userAgent: 'Mozilla/5.0 Firefox/128.0',
      ...overrides,
    });

    it('finds a device for its user until it expires, and for no one else', async () => {
      const record = device(userOf());
      await store.add(record, 10, now);
      expect(await store.find(record.userId, record.id, now)).toEqual(record);
      expect(await store.find(userOf(), record.id, now)).toBeUndefined();
      expect(await store.find(record.userId, device(record.userId).id, now)).toBeUndefined();
      expect(await store.find(record.userId, record.id, record.expiresAt - 1)).toEqual(record);
      expect(await store.find(record.userId, record.id, record.expiresAt)).toBeUndefined();
    });

    it("lists a user's live devices and drops the oldest beyond the cap", async () => {
      const userId = userOf();
      const records: TrustedDeviceRecord[] = [];
      for (let i = 0; i < 4; i++) {
        const record = device(userId, { createdAt: now + i });
        records.push(record);
        await store.add(record, 3, now + i);
      }
      const ids = (await store.list(userId, now + 10)).map((record) => record.id).sort();
      expect(ids).toEqual(
        records
          .slice(1)
          .map((record) => record.id)
          .sort(),
      );
    });

    it('revokes one device of its user only, and all of them', async () => {
      const userId = userOf();
      const a = device(userId);
      const b = device(userId);
      await store.add(a, 10, now);
      await store.add(b, 10, now);
      expect(await store.revoke(userOf(), a.id)).toBe(false);
      expect(await store.revoke(userId, a.id)).toBe(true);
      expect(await store.find(userId, a.id, now)).toBeUndefined();
      expect(await store.find(userId, b.id, now)).toEqual(b);
      await store.revokeAllForUser(userId);
      expect(await store.list(userId, now)).toEqual([]);
      await store.add(a, 10, now);
      await store.purgeUser(userId);
      expect(await store.find(userId, a.id, now)).toBeUndefined();
    });
  });
}

export type { SessionRef };
