/**
 * `@rampart/jwt-nonce/testing`: the conformance suite every `JwtNonceStore` passes, exported so a
 * third-party store can prove the same contract. Needs Vitest.
 *
 * @example
 * describeJwtNonceStoreConformance('my store', async () => ({
 *   store: new MyJwtNonceStore(), now: () => Date.now(),
 *   elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
 * }));
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JwtNonceStore, TokenRecord, TokenRef } from './store.js';

export { createFakeClock, type FakeClock } from '@rampart/core';
/** For tests of ES256 signatures: the low-S check and its high-S twin of a signature. */
export { isLowS, malleateEs256Signature } from './keys/ecdsa.js';

/** What the conformance suite needs to drive one store. */
export interface JwtNonceStoreHarness {
  store: JwtNonceStore;
  /** The store's "now", epoch ms (its fake clock, or `Date.now` when the server keeps time). */
  now(): number;
  /** Lets `ms` pass for the store: advance its fake clock, or really wait. Waits stay under 200 ms. */
  elapse(ms: number): Promise<void>;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

const id = () => randomBytes(16).toString('base64url');

/** Registers the `JwtNonceStore` contract tests for one store. */
export function describeJwtNonceStoreConformance(
  label: string,
  makeHarness: () => Promise<JwtNonceStoreHarness> | JwtNonceStoreHarness,
): void {
  describe(`JwtNonceStore conformance: ${label}`, () => {
    let harness: JwtNonceStoreHarness;
    let store: JwtNonceStore;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    /** A refresh token's ref unless `overrides` says otherwise. */
    function ref(overrides: Partial<TokenRef> = {}): TokenRef {
      return {
        iss: 'issuer-a',
        jti: id(),
        sub: `user-${id()}`,
        family: id(),
        kind: 'refresh',
        expiresAt: harness.now() + 60_000,
        ...overrides,
      };
    }
    const recordOf = (token: TokenRef): TokenRecord => ({ ...token, issuedAt: harness.now() });

    it('knows nothing of a token it never saw', async () => {
      expect(await store.lookup(ref())).toEqual({
        status: 'absent',
        issuedAt: undefined,
        familyRevoked: false,
        userRevokedBefore: undefined,
      });
    });

    it('records issued tokens as active with their issue time, and never overwrites', async () => {
      const token = ref();
      const other = ref({ sub: token.sub, family: token.family, kind: 'access' });
      const record = recordOf(token);
      await store.record([record, recordOf(other)]);
      expect(await store.lookup(token)).toMatchObject({
        status: 'active',
        issuedAt: record.issuedAt,
      });
      expect((await store.lookup(other)).status).toBe('active');
      expect((await store.spend(token, true)).outcome).toBe('spent');
      await store.record([recordOf(token)]);
      expect((await store.lookup(token)).status).toBe('spent');
    });

    it('spends a refresh token once; a second spend is reuse', async () => {
      const token = ref();
      await store.record([recordOf(token)]);
      expect((await store.spend(token, true)).outcome).toBe('spent');
      expect((await store.spend(token, true)).outcome).toBe('reused');
      expect((await store.lookup(token)).status).toBe('spent');
    });

    it('lets exactly one of 20 concurrent spends win; the others are told reuse', async () => {
      const token = ref();
      await store.record([recordOf(token)]);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.spend(token, true)));
      const outcomes = results.map((result) => result.outcome);
      expect(outcomes.filter((outcome) => outcome === 'spent')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'reused')).toHaveLength(19);
    });

    it('refuses to spend an unknown token in tracked mode', async () => {
      expect((await store.spend(ref(), true)).outcome).toBe('invalid');
    });

    it('spends an unrecorded token once in deny-list mode, also under concurrency', async () => {
      const token = ref();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.spend(token, false)),
      );
      expect(results.filter((result) => result.outcome === 'spent')).toHaveLength(1);
      expect((await store.spend(token, false)).outcome).toBe('reused');
    });

    it('revokes recorded and unrecorded tokens, keeping the issue time', async () => {
      const recorded = ref();
      const record = recordOf(recorded);
      await store.record([record]);
      await store.revoke(recorded);
      expect(await store.lookup(recorded)).toMatchObject({
        status: 'revoked',
        issuedAt: record.issuedAt,
      });
      expect((await store.spend(recorded, true)).outcome).toBe('invalid');
      const unrecorded = ref();
      await store.revoke(unrecorded);
      expect((await store.lookup(unrecorded)).status).toBe('revoked');
      expect((await store.spend(unrecorded, false)).outcome).toBe('invalid');
    });

    it('keys tokens by (iss, jti): the same jti of another issuer is another token', async () => {
      const token = ref();
      await store.revoke(token);
      expect((await store.lookup({ ...token, iss: 'issuer-b' })).status).toBe('absent');
      expect((await store.lookup({ ...token, iss: 'issuer-a' })).status).toBe('revoked');
    });

    // A token is good only for the (sub, family) it was issued to: the same live id presented
    // under another user or family is unknown. A store that keys tokens by user (Redis) cannot
    // see another user's id at all and answers `absent`; every store may answer `mismatched`.
    const swaps = (token: TokenRef) => {
      const other = ref();
      return [
        ['sub swapped', { ...token, sub: other.sub }, ['mismatched', 'absent']],
        ['family swapped', { ...token, family: other.family }, ['mismatched']],
        [
          'both swapped',
          { ...token, sub: other.sub, family: other.family },
          ['mismatched', 'absent'],
        ],
      ] as const;
    };

    it('looks a recorded token up only under the user and family it was issued to', async () => {
      const token = ref({ kind: 'access' });
      await store.record([recordOf(token)]);
      for (const [name, presented, unknown] of swaps(token)) {
        const state = await store.lookup(presented);
        expect(unknown, name).toContain(state.status);
        expect(state.issuedAt, name).toBeUndefined();
      }
      expect((await store.lookup(token)).status).toBe('active');
    });

    it('spends a refresh token only for its own user and family, leaving it to its owner', async () => {
      const token = ref();
      await store.record([recordOf(token)]);
      for (const [name, presented] of swaps(token)) {
        const result = await store.spend(presented, true);
        expect(['mismatched', 'invalid'], name).toContain(result.outcome);
        expect(result.issuedAt, name).toBeUndefined();
      }
      expect((await store.spend({ ...token, family: ref().family }, true)).outcome).toBe(
        'mismatched',
      );
      expect((await store.lookup(token)).status).toBe('active');
      expect((await store.spend(token, true)).outcome).toBe('spent');
    });

    it('binds a deny-list spent marker and a revocation to the family they were written for', async () => {
      const spent = ref();
      expect((await store.spend(spent, false)).outcome).toBe('spent');
      const otherFamily = { ...spent, family: ref().family };
      expect((await store.spend(otherFamily, false)).outcome).toBe('mismatched');
      expect((await store.lookup(otherFamily)).status).toBe('mismatched');
      expect((await store.spend(spent, false)).outcome).toBe('reused');

      const revoked = ref();
      await store.revoke(revoked);
      expect((await store.lookup({ ...revoked, family: ref().family })).status).toBe('mismatched');
      expect((await store.lookup(revoked)).status).toBe('revoked');
    });

    it('keeps the binding of a recorded token it revokes', async () => {
      const token = ref({ kind: 'access' });
      await store.record([recordOf(token)]);
      await store.revoke(token);
      for (const [name, presented, unknown] of swaps(token)) {
        expect(unknown, name).toContain((await store.lookup(presented)).status);
      }
      expect((await store.lookup(token)).status).toBe('revoked');
    });

    it('never lets a changed family id reach a token of a revoked family', async () => {
      const token = ref({ kind: 'access' });
      await store.record([recordOf(token)]);
      await store.revokeFamily(token.iss, token.sub, token.family, harness.now() + 60_000);
      const escaped = { ...token, family: ref().family };
      expect(await store.lookup(escaped)).toMatchObject({
        status: 'mismatched',
        familyRevoked: false,
      });
      expect((await store.spend(escaped, true)).outcome).toBe('mismatched');
      expect(await store.lookup(token)).toMatchObject({ status: 'active', familyRevoked: true });
    });

    // A token is good only as the kind it was issued as: one login's access id presented as a
    // refresh token (or the reverse) is unknown. Spent as a refresh token, an access id would
    // give a second refresh chain beside the real one, and reuse detection would never fire.
    it('looks a recorded token up only as the kind it was issued as', async () => {
      const access = ref({ kind: 'access' });
      const refresh = ref({ sub: access.sub, family: access.family });
      await store.record([recordOf(access), recordOf(refresh)]);
      for (const presented of [
        { ...access, kind: 'refresh' as const },
        { ...refresh, kind: 'access' as const },
      ]) {
        expect(await store.lookup(presented), presented.kind).toMatchObject({
          status: 'mismatched',
          issuedAt: undefined,
        });
      }
      expect((await store.lookup(access)).status).toBe('active');
      expect((await store.lookup(refresh)).status).toBe('active');
    });

    it('never spends an access token as a refresh token, leaving both to their owner', async () => {
      const access = ref({ kind: 'access' });
      const refresh = ref({ sub: access.sub, family: access.family });
      await store.record([recordOf(access), recordOf(refresh)]);
      const asRefresh = { ...access, kind: 'refresh' as const };
      for (const requireRecord of [true, false]) {
        const result = await store.spend(asRefresh, requireRecord);
        expect(result.outcome, `requireRecord ${requireRecord}`).toBe('mismatched');
        expect(result.issuedAt, `requireRecord ${requireRecord}`).toBeUndefined();
      }
      expect((await store.lookup(access)).status).toBe('active');
      expect((await store.spend(refresh, true)).outcome).toBe('spent');
      expect((await store.spend(refresh, true)).outcome).toBe('reused');
    });

    it('spends only refresh tokens: an access ref is invalid and writes nothing', async () => {
      const access = ref({ kind: 'access' });
      await store.record([recordOf(access)]);
      expect((await store.spend(access, true)).outcome).toBe('invalid');
      expect((await store.spend(access, false)).outcome).toBe('invalid');
      expect((await store.lookup(access)).status).toBe('active');
      const unrecorded = ref({ kind: 'access' });
      expect((await store.spend(unrecorded, false)).outcome).toBe('invalid');
      expect((await store.lookup(unrecorded)).status).toBe('absent');
      expect((await store.lookup({ ...unrecorded, kind: 'refresh' })).status).toBe('absent');
    });

    it('binds a deny-list spent marker and a revocation to the kind they were written for', async () => {
      const spent = ref();
      expect((await store.spend(spent, false)).outcome).toBe('spent');
      expect((await store.lookup({ ...spent, kind: 'access' })).status).toBe('mismatched');
      expect((await store.lookup(spent)).status).toBe('spent');

      const revoked = ref({ kind: 'access' });
      await store.revoke(revoked);
      const asRefresh = { ...revoked, kind: 'refresh' as const };
      expect((await store.lookup(asRefresh)).status).toBe('mismatched');
      expect((await store.spend(asRefresh, false)).outcome).toBe('mismatched');
      expect((await store.lookup(revoked)).status).toBe('revoked');
    });

    it('keeps the kind of a recorded token it revokes', async () => {
      const access = ref({ kind: 'access' });
      await store.record([recordOf(access)]);
      await store.revoke({ ...access, kind: 'refresh' });
      expect((await store.lookup(access)).status).toBe('revoked');
      expect((await store.lookup({ ...access, kind: 'refresh' })).status).toBe('mismatched');
    });

    it('revokes a whole family and nothing else', async () => {
      const token = ref();
      const sibling = ref({ sub: token.sub, family: token.family });
      const stranger = ref({ sub: token.sub });
      const otherUser = ref({ family: token.family });
      await store.revokeFamily(token.iss, token.sub, token.family, harness.now() + 60_000);
      expect((await store.lookup(token)).familyRevoked).toBe(true);
      expect((await store.lookup(sibling)).familyRevoked).toBe(true);
      expect((await store.spend(sibling, false)).familyRevoked).toBe(true);
      expect((await store.lookup(stranger)).familyRevoked).toBe(false);
      expect((await store.lookup(otherUser)).familyRevoked).toBe(false);
    });

    it('keeps one user’s revocation of a family id when another user of that id is purged', async () => {
      const token = ref();
      const otherUser = ref({ family: token.family });
      const expiresAt = harness.now() + 60_000;
      await store.revokeFamily(token.iss, token.sub, token.family, expiresAt);
      await store.revokeFamily(otherUser.iss, otherUser.sub, otherUser.family, expiresAt);
      await store.purgeUser(token.sub);
      expect((await store.lookup(token)).familyRevoked).toBe(false);
      expect((await store.lookup(otherUser)).familyRevoked).toBe(true);
      expect((await store.lookup({ ...otherUser, iss: 'issuer-b' })).familyRevoked).toBe(false);
    });

    it('keeps a per-user watermark that only moves forward', async () => {
      const token = ref();
      const now = harness.now();
      const watermark = { iss: token.iss, sub: token.sub, at: now, expiresAt: now + 60_000 };
      await store.revokeAllForUser(watermark);
      expect((await store.lookup(token)).userRevokedBefore).toBe(now);
      await store.revokeAllForUser({ ...watermark, at: now - 5000 });
      expect((await store.lookup(token)).userRevokedBefore).toBe(now);
      await store.revokeAllForUser({ ...watermark, at: now + 10 });
      expect((await store.spend(token, false)).userRevokedBefore).toBe(now + 10);
      expect((await store.lookup(ref())).userRevokedBefore).toBeUndefined();
      expect((await store.lookup({ ...token, iss: 'issuer-b' })).userRevokedBefore).toBeUndefined();
    });

    it('forgets a token once it expires', async () => {
      const token = ref({ expiresAt: harness.now() + 40 });
      await store.record([recordOf(token)]);
      expect((await store.lookup(token)).status).toBe('active');
      await harness.elapse(150);
      expect((await store.lookup(token)).status).toBe('absent');
    });

    it('purges a user: records and families gone, a watermark left, other users untouched', async () => {
      const token = ref({ sub: 'user:*?[x]{y}' });
      const kept = ref();
      await store.record([recordOf(token), recordOf(kept)]);
      await store.revokeFamily(token.iss, token.sub, token.family, harness.now() + 60_000);
      const now = harness.now();
      await store.revokeAllForUser({
        iss: token.iss,
        sub: token.sub,
        at: now,
        expiresAt: now + 60_000,
      });
      await store.purgeUser(token.sub);
      expect(await store.lookup(token)).toEqual({
        status: 'absent',
        issuedAt: undefined,
        familyRevoked: false,
        userRevokedBefore: now,
      });
      expect((await store.lookup(kept)).status).toBe('active');
    });

    it('purges a user under every issuer, and a purge of nobody or twice changes nothing', async () => {
      const first = ref();
      const second = ref({ sub: first.sub, iss: 'issuer-b' });
      const kept = ref({ iss: 'issuer-b' });
      await store.record([recordOf(first), recordOf(second), recordOf(kept)]);
      await store.revokeFamily(second.iss, second.sub, second.family, harness.now() + 60_000);
      await store.purgeUser(first.sub);
      await store.purgeUser(first.sub);
      await store.purgeUser('nobody-at-all');
      expect((await store.lookup(first)).status).toBe('absent');
      expect(await store.lookup(second)).toMatchObject({ status: 'absent', familyRevoked: false });
      expect((await store.lookup(kept)).status).toBe('active');
    });
  });
}
