import { createFakeClock } from '@rampart/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtNonce, type JwtNonce } from '../src/index.js';
import { AUDIENCE, accessHeader, attackTokens, ISSUER, validPayload } from './helpers/attacks.js';
import { forge, makeTestRing } from './helpers/forge.js';
import { buildFastify, get, type Reply, startExpress } from './helpers/servers.js';

const ring = makeTestRing();
const clock = createFakeClock(Date.UTC(2026, 10, 28, 9, 0, 0));
const nowSeconds = Math.floor(clock.now() / 1000);
let tokens: JwtNonce;
let attacks: Array<[string, string]>;
let valid: string;

beforeAll(async () => {
  tokens = createJwtNonce({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [ring.hs, ring.ed, ring.es],
    clock,
  });
  const pair = await tokens.issue('user-1');
  valid = pair.accessToken;
  attacks = attackTokens(ring, nowSeconds, pair.refreshToken);
});

describe('the token service refuses every attack token', () => {
  it('with the one InvalidTokenError code, never anything else', async () => {
    expect(attacks.length).toBeGreaterThan(40);
    for (const [name, token] of attacks) {
      const error = await tokens.verifyAccessToken(token).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error, name).toMatchObject({ status: 401, code: 'ERR_TOKEN_INVALID' });
    }
  });

  it('refuses them in deny-list mode too, where an unknown jti is no reason', async () => {
    const denyList = createJwtNonce({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [ring.hs, ring.ed, ring.es],
      clock,
      mode: 'deny-list',
    });
    // The control: a token forged with the same tools and the real key passes.
    const control = forge(accessHeader('hs-1', 'HS256'), validPayload('access', nowSeconds), {
      kind: 'ring',
      key: ring.hs,
    });
    expect((await denyList.verifyAccessToken(control)).sub).toBe('user-1');
    for (const [name, token] of attacks) {
      await expect(denyList.verifyAccessToken(token), name).rejects.toMatchObject({
        code: 'ERR_TOKEN_INVALID',
      });
    }
  });

  it('refuses an access token at the refresh exchange', async () => {
    await expect(tokens.refresh(valid)).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  });

  it('refuses refresh input that is not a string', async () => {
    for (const input of [undefined, null, 42, {}, ['a.b.c']]) {
      await expect(tokens.refresh(input)).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    }
  });
});

function expectRefusals(replies: Array<[string, Reply]>, okReply: Reply): void {
  expect(okReply.status).toBe(200);
  const bodies = new Set(replies.map(([, reply]) => reply.body));
  for (const [name, reply] of replies) {
    expect(reply.status, name).toBe(401);
    expect(reply.headers['content-type'], name).toBe('application/problem+json');
    expect(reply.headers['www-authenticate'], name).toBe('Bearer error="invalid_token"');
  }
  expect(bodies.size).toBe(1);
  expect(JSON.parse([...bodies][0] as string)).toMatchObject({
    status: 401,
    code: 'ERR_TOKEN_INVALID',
    instance: '/me',
  });
}

describe('Express requireJwt on a real server', () => {
  let server: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    server = await startExpress(tokens);
  });
  afterAll(() => server.close());

  it('answers every attack with the same 401 problem, none with a 500', async () => {
    const replies: Array<[string, Reply]> = [];
    for (const [name, token] of attacks) {
      replies.push([name, await get(server.port, '/me', { authorization: `Bearer ${token}` })]);
    }
    expectRefusals(replies, await get(server.port, '/me', { authorization: `Bearer ${valid}` }));
  });

  it('accepts the scheme in any case and sets req.auth', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const reply = await get(server.port, '/me', { authorization: `${scheme} ${valid}` });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ sub: 'user-1', method: 'jwt' });
    }
  });

  it('refuses other schemes, two Authorization headers and no header, with the same body', async () => {
    const missing = await get(server.port, '/me');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const replies: Array<[string, Reply]> = [
      ['basic', await get(server.port, '/me', { authorization: `Basic ${valid}` })],
      ['no space', await get(server.port, '/me', { authorization: `Bearer${valid}` })],
      [
        'twice',
        await get(server.port, '/me', { authorization: [`Bearer ${valid}`, `Bearer ${valid}`] }),
      ],
      [
        'oversized header',
        await get(server.port, '/me', { authorization: `Bearer ${'a'.repeat(9000)}` }),
      ],
    ];
    expectRefusals(replies, await get(server.port, '/me', { authorization: `Bearer ${valid}` }));
    expect(missing.body).toBe(replies[0]?.[1].body);
  });
});

describe('Fastify plugin and preHandler', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildFastify(tokens);
  });
  afterAll(() => app.close());

  it('answers every attack with the same 401 problem through inject', async () => {
    const replies: Array<[string, Reply]> = [];
    for (const [name, token] of attacks) {
      const response = await app.inject({
        url: '/me',
        headers: { authorization: `Bearer ${token}` },
      });
      replies.push([
        name,
        {
          status: response.statusCode,
          headers: response.headers as Reply['headers'],
          body: response.body,
        },
      ]);
    }
    const ok = await app.inject({ url: '/me', headers: { authorization: `bearer ${valid}` } });
    expectRefusals(replies, {
      status: ok.statusCode,
      headers: ok.headers as Reply['headers'],
      body: ok.body,
    });
    expect(ok.json()).toMatchObject({ sub: 'user-1', method: 'jwt' });
  });

  it('answers the same on a real listen, and leaves request.auth undefined on open routes', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const replies: Array<[string, Reply]> = [];
    for (const [name, token] of attacks.slice(0, 12)) {
      replies.push([name, await get(port, '/me', { authorization: `Bearer ${token}` })]);
    }
    expectRefusals(replies, await get(port, '/me', { authorization: `BEARER ${valid}` }));
    // Two Authorization headers never reach the guard: rampartCore refuses them first.
    const twice = await get(port, '/me', { authorization: [`Bearer ${valid}`, `Bearer ${valid}`] });
    expect(twice.status).toBe(400);
    expect(JSON.parse(twice.body)).toMatchObject({ code: 'ERR_HEADER_REPEATED' });
    const open = await get(port, '/open', { authorization: `Bearer ${valid}` });
    expect(JSON.parse(open.body)).toEqual({ auth: 'undefined' });
  });
});
