import { createFakeClock, type SecurityEvent } from '@rampart/core';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtNonce, generateJwtKey, TOKEN_ID_PATTERN } from '../src/index.js';

describe.each(['HS256', 'EdDSA', 'ES256'] as const)('issuing with %s', (alg) => {
  it('signs typed access and refresh tokens with every required claim', async () => {
    const clock = createFakeClock(Date.UTC(2026, 10, 28));
    const events: SecurityEvent[] = [];
    const tokens = createJwtNonce({
      issuer: 'https://issuer.test',
      audience: 'api',
      keys: [generateJwtKey(alg as 'EdDSA', 'k1')],
      clock,
      onEvent: (event) => events.push(event),
    });
    const pair = await tokens.issue('user-1', { claims: { role: 'admin' } });
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 604_800 });
    expect(decodeProtectedHeader(pair.accessToken)).toEqual({ alg, kid: 'k1', typ: 'at+jwt' });
    expect(decodeProtectedHeader(pair.refreshToken)).toEqual({
      alg,
      kid: 'k1',
      typ: 'refresh+jwt',
    });
    const access = decodeJwt(pair.accessToken);
    const refresh = decodeJwt(pair.refreshToken);
    const iat = clock.now() / 1000;
    expect(access).toMatchObject({
      iss: 'https://issuer.test',
      sub: 'user-1',
      aud: 'api',
      iat,
      exp: iat + 900,
      token_use: 'access',
      role: 'admin',
    });
    expect(refresh).toMatchObject({ exp: iat + 604_800, token_use: 'refresh', fam: access.fam });
    for (const id of [access.jti, refresh.jti, access.fam]) expect(id).toMatch(TOKEN_ID_PATTERN);
    expect(access.jti).not.toBe(refresh.jti);

    const auth = await tokens.verifyAccessToken(pair.accessToken);
    expect(auth).toMatchObject({ sub: 'user-1', principal: { id: 'user-1', kind: 'user' } });
    expect(auth.payload.role).toBe('admin');
    const next = await tokens.refresh(pair.refreshToken);
    expect(decodeJwt(next.accessToken)).toMatchObject({ role: 'admin', fam: access.fam });
    expect(events.map((event) => event.type)).toEqual(['TOKEN_ISSUED', 'TOKEN_REFRESHED']);
    expect(JSON.stringify(events)).not.toContain(pair.accessToken.split('.')[2]);
  });
});

describe('key rotation', () => {
  it('verifies tokens of a retired key until they expire, and signs with the new one', async () => {
    const clock = createFakeClock(Date.UTC(2026, 10, 28));
    const old = generateJwtKey('EdDSA', '2026-10');
    const fresh = generateJwtKey('EdDSA', '2026-11');
    const common = { issuer: 'i', audience: 'a', clock, store: undefined };
    const before = createJwtNonce({ ...common, keys: [old], mode: 'deny-list' });
    const pair = await before.issue('u');
    const after = createJwtNonce({
      ...common,
      mode: 'deny-list',
      keys: [fresh, { kid: old.kid, alg: 'EdDSA', publicKey: old.publicKey }],
    });
    await expect(after.verifyAccessToken(pair.accessToken)).resolves.toMatchObject({ sub: 'u' });
    expect(decodeProtectedHeader((await after.issue('u')).accessToken).kid).toBe('2026-11');
    clock.advance(931_000);
    await expect(after.verifyAccessToken(pair.accessToken)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
    });
  });
});

describe('clock tolerance', () => {
  it('accepts a token up to 30 s after exp by default, and not a second later', async () => {
    const clock = createFakeClock(Date.UTC(2026, 10, 28));
    const tokens = createJwtNonce({
      issuer: 'i',
      audience: 'a',
      keys: [generateJwtKey('HS256', 'k')],
      clock,
    });
    const pair = await tokens.issue('u');
    clock.advance(929_000);
    await expect(tokens.verifyAccessToken(pair.accessToken)).resolves.toMatchObject({ sub: 'u' });
    clock.advance(1000);
    await expect(tokens.verifyAccessToken(pair.accessToken)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
    });
  });
});
