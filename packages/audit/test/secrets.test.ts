import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createFakeClock, MemoryNonceStore, type SecurityEvent } from '@rampart/core';
import { createJwtNonce, MemoryJwtNonceStore } from '@rampart/jwt-nonce';
import { createRateLimiter } from '@rampart/rate-limit';
import { createRequestVerifier, staticSigningSecrets } from '@rampart/request-signing';
import { signRequest } from '@rampart/request-signing/client';
import { describe, expect, it } from 'vitest';
import { createJsonLinesSink } from '../src/index.js';
import { makeTrail, STORES } from './helpers/trail.js';

/**
 * Every secret the packages handle in this run: tokens, signing secrets, signatures, nonces. The
 * trail, its JSON-lines mirror and the store's raw rows must hold none of them.
 */
async function feedEveryPackage(
  onEvent: (event: SecurityEvent) => void,
): Promise<{ secrets: string[]; events: number }> {
  const secrets: string[] = [];
  let events = 0;
  const count = (event: SecurityEvent) => {
    events++;
    onEvent(event);
  };
  const clock = createFakeClock();

  const jwtSecret = randomBytes(32);
  const tokens = createJwtNonce({
    issuer: 'https://issuer.test',
    audience: 'api',
    keys: [{ kid: 'k1', alg: 'HS256', secret: jwtSecret }],
    store: new MemoryJwtNonceStore({ clock }),
    clock,
    onEvent: count,
  });
  secrets.push(jwtSecret.toString('base64url'), jwtSecret.toString('hex'));
  const pair = await tokens.issue('alice');
  secrets.push(pair.accessToken, pair.refreshToken);
  for (const token of [pair.accessToken, pair.refreshToken]) {
    const [, , signature] = token.split('.');
    secrets.push(signature as string);
  }
  await tokens.verifyAccessToken(`${pair.accessToken.slice(0, -4)}AAAA`).catch(() => {});
  const next = await tokens.refresh(pair.refreshToken);
  secrets.push(next.accessToken, next.refreshToken);
  await tokens.refresh(pair.refreshToken).catch(() => {}); // reuse: the family is revoked
  await tokens.verifyAccessToken(next.accessToken).catch(() => {});

  const signingSecret = randomBytes(32).toString('base64url');
  secrets.push(signingSecret);
  const verifier = createRequestVerifier({
    getSecrets: staticSigningSecrets({ 'client-a': signingSecret }),
    nonceStore: new MemoryNonceStore(),
    onEvent: count,
  });
  const body = Buffer.from('{"data":"x"}');
  const url = '/api/v1/entities/1/records';
  const headers = await signRequest({
    method: 'POST',
    url: `https://api.test${url}`,
    body,
    keyId: 'client-a',
    secret: signingSecret,
  });
  for (const value of Object.values(headers)) if (value.length >= 16) secrets.push(value);
  const lower = (record: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]));
  const request = {
    method: 'POST',
    url,
    route: '/api/v1/entities/:id/records',
    headers: { ...lower(headers), host: 'api.test', 'content-type': 'application/json' },
    ip: '192.0.2.7',
    rawBody: body,
  };
  await verifier.verify(request).catch(() => {});
  await verifier.verify(request).catch(() => {}); // replayed nonce
  const wrong = await signRequest({
    method: 'POST',
    url: `https://api.test${url}`,
    body,
    keyId: 'client-a',
    secret: randomBytes(32).toString('base64url'),
  });
  await verifier
    .verify({
      ...request,
      headers: { ...lower(wrong), host: 'api.test', 'content-type': 'application/json' },
    })
    .catch(() => {});

  const limiter = createRateLimiter({
    clock,
    policies: { login: { algorithm: 'fixed-window', limit: 1, windowMs: 60_000 } },
    onEvent: count,
  });
  for (let i = 0; i < 3; i++) {
    await limiter.check({
      method: 'POST',
      url: '/login',
      route: '/login',
      headers: { authorization: `Bearer ${pair.accessToken}` },
      ip: '192.0.2.8',
    });
  }
  return { secrets: secrets.filter((secret) => secret.length >= 16), events };
}

describe.each(STORES)(
  'no secret reaches the %s store or a text sink',
  (_name, available, makeHarness) => {
    it.skipIf(!available)(
      "every package's events, fed through the trail: the secrets used appear nowhere",
      async () => {
        const harness = await makeHarness();
        try {
          const stream = new PassThrough();
          let lines = '';
          stream.on('data', (chunk) => {
            lines += chunk;
          });
          const { trail } = makeTrail(harness.store, {
            mirrors: [createJsonLinesSink({ stream })],
          });
          const { secrets, events } = await feedEveryPackage(trail.onEvent);
          await trail.flush();
          await new Promise((resolve) => setImmediate(resolve));
          expect(events).toBeGreaterThanOrEqual(6);
          expect(trail.stats().written).toBe(events);
          const types = new Set((await trail.query({ limit: 500 })).items.map((item) => item.type));
          for (const type of [
            'TOKEN_ISSUED',
            'INVALID_TOKEN',
            'TOKEN_REUSE',
            'INVALID_NONCE',
            'INVALID_SIGNATURE',
            'RATE_LIMIT_EXCEEDED',
          ]) {
            expect(types).toContain(type);
          }
          const everything = `${await harness.dump()}\n${lines}\n${JSON.stringify(await trail.query({ limit: 500 }))}`;
          expect(secrets.length).toBeGreaterThan(8);
          for (const secret of secrets) expect(everything).not.toContain(secret);
        } finally {
          await harness.cleanup();
        }
      },
    );
  },
);
