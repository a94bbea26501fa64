import { createFakeClock } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { limitFieldValue, policyFieldValue } from './headers.js';
import { createRateLimiter } from './limiter.js';
import { resolvePolicies } from './policy.js';

const request = { method: 'GET', url: '/x', route: '/x', headers: {}, ip: '203.0.113.9' };

describe('RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('serialises the draft example of two policies byte for byte', () => {
    const policies = resolvePolicies({
      burst: { limit: 100, windowMs: 60_000 },
      daily: { limit: 1000, windowMs: 86_400_000 },
    });
    expect(policyFieldValue(policies)).toBe('"burst";q=100;w=60,"daily";q=1000;w=86400');
  });

  it('serialises the draft examples "default";q=100;w=10 and "permin"/"perhr"', () => {
    expect(policyFieldValue(resolvePolicies({ default: { limit: 100, windowMs: 10_000 } }))).toBe(
      '"default";q=100;w=10',
    );
    expect(
      policyFieldValue(
        resolvePolicies({
          permin: { limit: 50, windowMs: 60_000 },
          perhr: { limit: 1000, windowMs: 3_600_000 },
        }),
      ),
    ).toBe('"permin";q=50;w=60,"perhr";q=1000;w=3600');
  });

  it('serialises the draft example RateLimit: "default";r=50;t=30', () => {
    const [policy] = resolvePolicies({ default: { limit: 100, windowMs: 60_000 } });
    expect(
      limitFieldValue([
        {
          policy: policy!,
          name: 'default',
          allowed: true,
          quota: 100,
          remaining: 50,
          resetMs: 29_001,
          retryAfterMs: 0,
        },
      ]),
    ).toBe('"default";r=50;t=30');
  });

  it('counts down r and t on a fake clock, with the legacy fields of the tightest policy', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const limiter = createRateLimiter({
      clock,
      headers: { legacy: true },
      policies: {
        burst: { algorithm: 'fixed-window', limit: 3, windowMs: 10_000 },
        daily: { algorithm: 'fixed-window', limit: 1000, windowMs: 86_400_000 },
      },
    });
    const headersOf = async () => {
      const headers: Record<string, string> = {};
      limiter.writeHeaders(await limiter.check(request), (name, value) => (headers[name] = value));
      return headers;
    };
    clock.advance(1000);
    await expect(headersOf()).resolves.toEqual({
      'ratelimit-policy': '"burst";q=3;w=10,"daily";q=1000;w=86400',
      ratelimit: '"burst";r=2;t=9,"daily";r=999;t=86399',
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': '9',
    });
  });

  it('adds Retry-After on a refusal; each header family can be switched off', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const limiter = createRateLimiter({
      clock,
      headers: { legacy: false, standard: false },
      policies: { one: { algorithm: 'fixed-window', limit: 1, windowMs: 60_000 } },
    });
    await limiter.check(request);
    const refused = await limiter.check(request);
    const headers: Record<string, string> = {};
    limiter.writeHeaders(refused, (name, value) => (headers[name] = value));
    expect(headers).toEqual({ 'retry-after': '60' });
    const quiet = createRateLimiter({
      clock,
      headers: { retryAfter: false },
      policies: { one: { algorithm: 'fixed-window', limit: 1, windowMs: 60_000 } },
    });
    await quiet.check(request);
    const error = quiet.exceededError(await quiet.check(request));
    expect(error.headers).toEqual({});
    expect(error.extensions).toMatchObject({ policy: 'one', retryAfter: 60 });
  });

  it('sends the two IETF fields and no X-RateLimit-* by default', async () => {
    const limiter = createRateLimiter({
      clock: createFakeClock(Date.UTC(2026, 0, 1)),
      policies: { one: { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 } },
    });
    const headers: Record<string, string> = {};
    limiter.writeHeaders(await limiter.check(request), (name, value) => (headers[name] = value));
    expect(headers).toEqual({ 'ratelimit-policy': '"one";q=2;w=60', ratelimit: '"one";r=1;t=60' });
  });
});

describe('several limiters on one response', () => {
  const policies = (limit: number) => ({
    one: { algorithm: 'fixed-window' as const, limit, windowMs: 60_000 },
  });

  it("appends a second limiter's items, and replaces an item of the same name", async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const first = createRateLimiter({ clock, headers: { legacy: true }, policies: policies(5) });
    const second = createRateLimiter({
      clock,
      headers: { legacy: true },
      policies: { two: { algorithm: 'fixed-window', limit: 2, windowMs: 10_000 } },
    });
    const headers: Record<string, string> = {};
    const set = (name: string, value: string) => (headers[name] = value);
    const get = (name: string) => headers[name];
    first.writeHeaders(await first.check(request), set, get);
    second.writeHeaders(await second.check(request), set, get);
    first.writeHeaders(await first.check(request), set, get);
    expect(headers).toEqual({
      'ratelimit-policy': '"two";q=2;w=10,"one";q=5;w=60',
      ratelimit: '"two";r=1;t=10,"one";r=3;t=60',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': '10',
    });
  });
});
