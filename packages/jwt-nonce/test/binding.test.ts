import type { SecurityEvent } from '@rampart/core';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJwtNonce, type JwtNonce, type TokenPair } from '../src/index.js';
import { AUDIENCE, ISSUER } from './helpers/attacks.js';
import { forge, makeTestRing } from './helpers/forge.js';
import { buildFastify, get, startExpress } from './helpers/servers.js';
import { STORES, type StoreUnderTest } from './helpers/stores.js';

const ring = makeTestRing();
const refused = { status: 401, code: 'ERR_TOKEN_INVALID' };

/**
 * What an attacker holding the signing key and one live token of their own makes: the same token
 * (same header, same live jti) re-signed with claims changed.
 */
function resign(token: string, changes: { sub?: string; fam?: string; jti?: string }): string {
  const [header, payload] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return forge(header, { ...claims, ...changes }, { kind: 'ring', key: ring.hs });
}

function claimsOf(token: string): { sub: string; fam: string; jti: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

describe.each(STORES)(
  'a live jti re-signed for another user, family or kind, %s store',
  (name, available, make) => {
    let under: StoreUnderTest;
    let events: SecurityEvent[];
    let tokens: JwtNonce;
    let alice: TokenPair;
    let aliceElsewhere: TokenPair;
    let bob: TokenPair;
    /** Redis keys tokens by user, so another user's id is simply not found there: `unknown-jti`. */
    const subSwapReason = name === 'redis' ? 'unknown-jti' : 'binding';

    beforeEach(async (context) => {
      if (!available) context.skip();
      under = await make();
      events = [];
      tokens = createJwtNonce({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: [ring.hs],
        store: under.store,
        clock: under.clock,
        onEvent: (event) => events.push(event),
      });
      alice = await tokens.issue('alice');
      aliceElsewhere = await tokens.issue('alice');
      bob = await tokens.issue('bob');
    });
    afterEach(async () => {
      await under?.cleanup();
    });

    /** The three swaps of one of Alice's tokens, with the event reason each must give. */
    const swapsOf = (token: string): Array<[string, string, string]> => [
      ['sub swapped', resign(token, { sub: 'bob' }), subSwapReason],
      [
        'family swapped',
        resign(token, { fam: claimsOf(aliceElsewhere.accessToken).fam }),
        'binding',
      ],
      [
        'both swapped',
        resign(token, { sub: 'bob', fam: claimsOf(bob.accessToken).fam }),
        subSwapReason,
      ],
    ];

    it('refuses an access token re-signed with another sub, another family or both', async () => {
      // The control: re-signing without a change is the same token, and it verifies.
      await expect(tokens.verifyAccessToken(resign(alice.accessToken, {}))).resolves.toMatchObject({
        sub: 'alice',
      });
      for (const [swap, token, reason] of swapsOf(alice.accessToken)) {
        events.length = 0;
        await expect(tokens.verifyAccessToken(token), swap).rejects.toMatchObject({
          ...refused,
          reason,
        });
        expect(events, swap).toEqual([
          expect.objectContaining({
            type: 'INVALID_TOKEN',
            severity: 'warning',
            code: 'ERR_TOKEN_INVALID',
            reason,
          }),
        ]);
      }
      // Nothing changed for the owners.
      await expect(tokens.verifyAccessToken(alice.accessToken)).resolves.toMatchObject({
        sub: 'alice',
      });
      await expect(tokens.verifyAccessToken(bob.accessToken)).resolves.toMatchObject({
        sub: 'bob',
      });
    });

    it('refuses a refresh token re-signed with another sub, another family or both, and leaves it to its owner', async () => {
      for (const [swap, token, reason] of swapsOf(alice.refreshToken)) {
        // A refresh token the store does not hold is refused as `revoked`; only `binding` is named.
        const expected = reason === 'binding' ? { ...refused, reason } : refused;
        await expect(tokens.refresh(token), swap).rejects.toMatchObject(expected);
      }
      expect(events.filter((event) => event.type === 'TOKEN_REFRESHED')).toHaveLength(0);
      const next = await tokens.refresh(alice.refreshToken);
      await expect(tokens.verifyAccessToken(next.accessToken)).resolves.toMatchObject({
        sub: 'alice',
      });
    });

    it('a family revoked after refresh reuse cannot be reached through a changed fam', async () => {
      const second = await tokens.refresh(alice.refreshToken);
      await expect(tokens.refresh(alice.refreshToken)).rejects.toMatchObject(refused);
      expect(events.some((event) => event.type === 'TOKEN_REUSE')).toBe(true);
      await expect(tokens.verifyAccessToken(second.accessToken)).rejects.toMatchObject(refused);
      for (const fam of [claimsOf(aliceElsewhere.accessToken).fam, claimsOf(bob.accessToken).fam]) {
        await expect(
          tokens.verifyAccessToken(resign(second.accessToken, { fam })),
        ).rejects.toMatchObject({ ...refused, reason: 'binding' });
        await expect(tokens.refresh(resign(second.refreshToken, { fam }))).rejects.toMatchObject({
          ...refused,
          reason: 'binding',
        });
      }
      // Alice's other login is another family, untouched by the reuse.
      await expect(tokens.verifyAccessToken(aliceElsewhere.accessToken)).resolves.toMatchObject({
        sub: 'alice',
      });
    });

    it('answers the swaps with the same 401 problem over HTTP on Express and Fastify', async () => {
      const express = await startExpress(tokens);
      const fastify: FastifyInstance = await buildFastify(tokens);
      try {
        await fastify.listen({ port: 0, host: '127.0.0.1' });
        const fastifyPort = (fastify.server.address() as { port: number }).port;
        for (const port of [express.port, fastifyPort]) {
          const ok = await get(port, '/me', { authorization: `Bearer ${alice.accessToken}` });
          expect(ok.status).toBe(200);
          for (const [swap, token] of swapsOf(alice.accessToken)) {
            const reply = await get(port, '/me', { authorization: `Bearer ${token}` });
            expect(reply.status, swap).toBe(401);
            expect(reply.headers['content-type'], swap).toBe('application/problem+json');
            expect(JSON.parse(reply.body), swap).toMatchObject(refused);
          }
        }
      } finally {
        await express.close();
        await fastify.close();
      }
    });

    // The same login's other token carries the same sub and fam: only the kind tells them apart.
    it("refuses an access token carrying its refresh token's jti, and leaves both tokens good", async () => {
      const swapped = resign(alice.accessToken, { jti: claimsOf(alice.refreshToken).jti });
      await expect(tokens.verifyAccessToken(swapped)).rejects.toMatchObject({
        ...refused,
        reason: 'binding',
      });
      expect(events.filter((event) => event.type === 'INVALID_TOKEN')).toEqual([
        expect.objectContaining({ severity: 'warning', reason: 'binding', userId: 'alice' }),
      ]);
      await expect(tokens.verifyAccessToken(alice.accessToken)).resolves.toMatchObject({
        sub: 'alice',
      });
      await expect(tokens.refresh(alice.refreshToken)).resolves.toBeDefined();
    });

    it("refuses a refresh token carrying its access token's jti: one login never splits into two refresh chains", async () => {
      const swapped = resign(alice.refreshToken, { jti: claimsOf(alice.accessToken).jti });
      await expect(tokens.refresh(swapped)).rejects.toMatchObject({
        ...refused,
        reason: 'binding',
      });
      expect(events.filter((event) => event.type === 'TOKEN_REFRESHED')).toHaveLength(0);
      // The attempt spent nothing: the access token still verifies.
      await expect(tokens.verifyAccessToken(alice.accessToken)).resolves.toMatchObject({
        sub: 'alice',
      });
      // The legitimate chain has exactly one live successor: the real refresh token's.
      const next = await tokens.refresh(alice.refreshToken);
      expect(events.filter((event) => event.type === 'TOKEN_REFRESHED')).toHaveLength(1);
      await expect(tokens.refresh(swapped)).rejects.toMatchObject(refused);
      await expect(tokens.refresh(alice.refreshToken)).rejects.toMatchObject({
        ...refused,
        reason: 'reused',
      });
      // Reuse detection fired and killed the family, successor included.
      expect(events.filter((event) => event.type === 'TOKEN_REUSE')).toHaveLength(1);
      await expect(tokens.verifyAccessToken(next.accessToken)).rejects.toMatchObject({
        ...refused,
        reason: 'revoked',
      });
      await expect(tokens.refresh(next.refreshToken)).rejects.toMatchObject(refused);
    });

    it('answers an access token carrying the refresh jti with the same 401 problem over HTTP', async () => {
      const express = await startExpress(tokens);
      const fastify: FastifyInstance = await buildFastify(tokens);
      const swapped = resign(alice.accessToken, { jti: claimsOf(alice.refreshToken).jti });
      try {
        await fastify.listen({ port: 0, host: '127.0.0.1' });
        const fastifyPort = (fastify.server.address() as { port: number }).port;
        for (const port of [express.port, fastifyPort]) {
          const reply = await get(port, '/me', { authorization: `Bearer ${swapped}` });
          expect(reply.status).toBe(401);
          expect(reply.headers['content-type']).toBe('application/problem+json');
          expect(JSON.parse(reply.body)).toMatchObject(refused);
        }
        expect(events.filter((event) => event.type === 'INVALID_TOKEN')).toEqual([
          expect.objectContaining({ reason: 'binding' }),
          expect.objectContaining({ reason: 'binding' }),
        ]);
      } finally {
        await express.close();
        await fastify.close();
      }
    });
  },
);
