import { decodeBase64url, type SecurityEvent } from '@rampart/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createJwtNonce,
  type JwtNonce,
  type JwtNonceOptions,
  MemoryJwtNonceStore,
  type TokenRef,
} from '../src/index.js';
import { isLowS, malleateEs256Signature } from '../src/testing.js';
import { AUDIENCE, ISSUER } from './helpers/attacks.js';
import { b64, makeTestRing } from './helpers/forge.js';
import { STORES, type StoreUnderTest } from './helpers/stores.js';

const ring = makeTestRing();

/** The same token with its ES256 signature replaced by (r, n − s). */
function malleate(token: string): string {
  const dot = token.lastIndexOf('.');
  const signature = decodeBase64url(token.slice(dot + 1)) as Buffer;
  return `${token.slice(0, dot + 1)}${b64(malleateEs256Signature(signature))}`;
}

const refused = { status: 401, code: 'ERR_TOKEN_INVALID' };

describe.each(STORES)('revocation and rotation on the %s store', (_name, available, make) => {
  let under: StoreUnderTest;
  let events: SecurityEvent[];
  const service = (overrides: Partial<JwtNonceOptions> = {}): JwtNonce =>
    createJwtNonce({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [ring.hs, ring.ed, ring.es],
      store: under.store,
      clock: under.clock,
      onEvent: (event) => events.push(event),
      ...overrides,
    });

  beforeEach(async (context) => {
    if (!available) context.skip();
    under = await make();
    events = [];
  });
  afterEach(async () => {
    await under?.cleanup();
  });

  it('refuses a revoked access token; its sibling refresh token still works', async () => {
    const tokens = service();
    const pair = await tokens.issue('alice');
    const auth = await tokens.verifyAccessToken(pair.accessToken);
    await tokens.revoke(auth);
    await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject(refused);
    await expect(tokens.refresh(pair.refreshToken)).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('refuses a revoked ES256 token also when re-sent with its signature as (r, n − s)', async () => {
    // 'any' accepts malleated signatures, so only the jti keeps the twin revoked.
    const tokens = service({ signingKeyId: 'es-1', es256Signatures: 'any' });
    const pair = await tokens.issue('alice');
    const twin = malleate(pair.accessToken);
    expect(twin).not.toBe(pair.accessToken);
    expect((await tokens.verifyAccessToken(twin)).jti).toBe(
      (await tokens.verifyAccessToken(pair.accessToken)).jti,
    );
    await tokens.revoke(await tokens.verifyAccessToken(pair.accessToken));
    await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject(refused);
    await expect(tokens.verifyAccessToken(twin)).rejects.toMatchObject(refused);
  });

  it('issues low-s ES256 signatures and by default refuses the high-s twin outright', async () => {
    const tokens = service({ signingKeyId: 'es-1' });
    for (let i = 0; i < 8; i++) {
      const pair = await tokens.issue('alice');
      const signature = pair.accessToken.slice(pair.accessToken.lastIndexOf('.') + 1);
      expect(isLowS(decodeBase64url(signature) as Buffer)).toBe(true);
      await expect(tokens.verifyAccessToken(malleate(pair.accessToken))).rejects.toMatchObject(
        refused,
      );
      await tokens.verifyAccessToken(pair.accessToken);
    }
  });

  it('logout revokes the access token and the whole family', async () => {
    const tokens = service();
    const first = await tokens.issue('alice');
    const second = await tokens.refresh(first.refreshToken);
    const other = await tokens.issue('alice');
    await tokens.logout(await tokens.verifyAccessToken(second.accessToken));
    await expect(tokens.verifyAccessToken(second.accessToken)).rejects.toMatchObject(refused);
    await expect(tokens.verifyAccessToken(first.accessToken)).rejects.toMatchObject(refused);
    await expect(tokens.refresh(second.refreshToken)).rejects.toMatchObject(refused);
    // Another login of the same user is another family.
    await expect(tokens.verifyAccessToken(other.accessToken)).resolves.toMatchObject({
      sub: 'alice',
    });
  });

  it('revokeAllForUser kills every token issued before it, and only that user’s', async () => {
    const tokens = service();
    const a = await tokens.issue('alice');
    const b = await tokens.issue('alice');
    const bob = await tokens.issue('bob');
    under.fakeClock?.advance(5);
    await tokens.revokeAllForUser('alice');
    under.fakeClock?.advance(5);
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const token of [a.accessToken, b.accessToken]) {
      await expect(tokens.verifyAccessToken(token)).rejects.toMatchObject(refused);
    }
    await expect(tokens.refresh(a.refreshToken)).rejects.toMatchObject(refused);
    await expect(tokens.verifyAccessToken(bob.accessToken)).resolves.toMatchObject({ sub: 'bob' });
    const fresh = await tokens.issue('alice');
    await expect(tokens.verifyAccessToken(fresh.accessToken)).resolves.toMatchObject({
      sub: 'alice',
    });
  });

  it('purgeUser kills every token of the user, in both modes, and leaves other users alone', async () => {
    for (const mode of ['tracked', 'deny-list'] as const) {
      const tokens = service({ mode });
      const alice = await tokens.issue('alice');
      const bob = await tokens.issue('bob');
      await tokens.purgeUser('alice');
      // Forgotten records would verify in deny-list mode: the watermark keeps them dead.
      await expect(tokens.verifyAccessToken(alice.accessToken)).rejects.toMatchObject(refused);
      await expect(tokens.refresh(alice.refreshToken)).rejects.toMatchObject(refused);
      await expect(tokens.verifyAccessToken(bob.accessToken)).resolves.toMatchObject({
        sub: 'bob',
      });
      // Tracked mode dates a token by its record, so a login right after the purge lives (in
      // deny-list mode only `iat`, in seconds, is known: a token of the same second dies too).
      if (mode === 'tracked') {
        const back = await tokens.issue('alice');
        await expect(tokens.verifyAccessToken(back.accessToken)).resolves.toMatchObject({
          sub: 'alice',
        });
      }
    }
  });

  it('revokeAllForUser in the same millisecond: what came before dies, what comes after lives', async () => {
    const tokens = service();
    // No clock advance and no sleep anywhere: "change the password, revoke all, log in again"
    // runs within one millisecond on a fast store, and each step must still count as ordered.
    for (let round = 0; round < 5; round++) {
      const before = await tokens.issue('alice');
      await tokens.revokeAllForUser('alice');
      const after = await tokens.issue('alice');
      await expect(tokens.verifyAccessToken(before.accessToken)).rejects.toMatchObject(refused);
      await expect(tokens.verifyAccessToken(after.accessToken)).resolves.toMatchObject({
        sub: 'alice',
      });
      await expect(tokens.refresh(after.refreshToken)).resolves.toMatchObject({
        tokenType: 'Bearer',
      });
    }
  });

  it('twenty concurrent refreshes with one refresh token: exactly one succeeds', async () => {
    const tokens = service();
    const pair = await tokens.issue('alice');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => tokens.refresh(pair.refreshToken)),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject(refused);
    }
    // The losers presented a spent token: that is reuse, and the family (the winner's new pair
    // included) is revoked.
    const winner = (won[0] as PromiseFulfilledResult<{ accessToken: string; refreshToken: string }>)
      .value;
    await expect(tokens.verifyAccessToken(winner.accessToken)).rejects.toMatchObject(refused);
    await expect(tokens.refresh(winner.refreshToken)).rejects.toMatchObject(refused);
    expect(
      events.some((event) => event.type === 'TOKEN_REUSE' && event.severity === 'critical'),
    ).toBe(true);
  });

  it('a later reuse of a spent refresh token revokes the family and emits TOKEN_REUSE', async () => {
    const tokens = service();
    const first = await tokens.issue('alice');
    const second = await tokens.refresh(first.refreshToken);
    await expect(tokens.verifyAccessToken(second.accessToken)).resolves.toMatchObject({
      sub: 'alice',
    });
    expect(events.filter((event) => event.type === 'TOKEN_REUSE')).toHaveLength(0);
    await expect(tokens.refresh(first.refreshToken)).rejects.toMatchObject(refused);
    const reuse = events.find((event) => event.type === 'TOKEN_REUSE');
    expect(reuse).toMatchObject({
      severity: 'critical',
      userId: 'alice',
      code: 'ERR_TOKEN_INVALID',
      reason: 'reused',
      source: '@rampart/jwt-nonce',
    });
    expect(JSON.stringify(reuse)).not.toContain(first.refreshToken);
    await expect(tokens.verifyAccessToken(second.accessToken)).rejects.toMatchObject(refused);
    await expect(tokens.refresh(second.refreshToken)).rejects.toMatchObject(refused);
  });

  it('deny-list mode: unrecorded tokens verify, revocation and rotation still hold', async () => {
    const tokens = service({ mode: 'deny-list' });
    const pair = await tokens.issue('alice');
    const auth = await tokens.verifyAccessToken(pair.accessToken);
    const next = await tokens.refresh(pair.refreshToken);
    await expect(tokens.refresh(pair.refreshToken)).rejects.toMatchObject(refused);
    await expect(tokens.verifyAccessToken(next.accessToken)).rejects.toMatchObject(refused);
    await tokens.revoke(auth);
    await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject(refused);
  });

  it('tracked mode refuses a validly signed token whose jti was never issued', async () => {
    const signer = service({ mode: 'deny-list' });
    const tokens = service();
    const pair = await signer.issue('alice');
    await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject(refused);
  });
});

describe('the memory store read synchronously', () => {
  it('answers like lookup(), and an overridden or spied lookup is still the one called', async () => {
    const store = new MemoryJwtNonceStore({ sweepIntervalMs: 0 });
    const tokens = createJwtNonce({ issuer: ISSUER, audience: AUDIENCE, keys: [ring.hs], store });
    const pair = await tokens.issue('alice');
    const auth = await tokens.verifyAccessToken(pair.accessToken);
    expect(auth).toMatchObject({ sub: 'alice', principal: { id: 'alice', kind: 'user' } });
    expect(Object.isFrozen(auth) && Object.isFrozen(auth.payload)).toBe(true);

    const lookup = vi.spyOn(store, 'lookup');
    await tokens.verifyAccessToken(pair.accessToken);
    expect(lookup).toHaveBeenCalledTimes(1);
    lookup.mockResolvedValueOnce({
      status: 'revoked',
      issuedAt: undefined,
      familyRevoked: false,
      userRevokedBefore: undefined,
    });
    await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject(refused);
    lookup.mockRestore();

    await tokens.logout(auth);
    await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject(refused);
    store.close();
  });

  it("calls a subclass's lookup, never the memory store's synchronous twin behind it", async () => {
    const looked: string[] = [];
    class AuditedStore extends MemoryJwtNonceStore {
      override lookup(ref: TokenRef) {
        looked.push(ref.jti);
        return super.lookup(ref);
      }
    }
    const store = new AuditedStore({ sweepIntervalMs: 0 });
    const tokens = createJwtNonce({ issuer: ISSUER, audience: AUDIENCE, keys: [ring.hs], store });
    const pair = await tokens.issue('alice');
    const auth = await tokens.verifyAccessToken(pair.accessToken);
    expect(looked).toEqual([auth.jti]);
    store.close();
  });
});
