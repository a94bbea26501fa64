import { createClientIpResolver, createFakeClock } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapePart } from './keys.js';
import { createRateLimiter } from './limiter.js';
import { routePatternSchema } from './route-pattern.js';

const policies = { one: { algorithm: 'fixed-window' as const, limit: 1, windowMs: 60_000 } };

describe('one bucket per client, however it presents itself', () => {
  const limiter = createRateLimiter({ clock: createFakeClock(Date.UTC(2026, 0, 1)), policies });
  const check = (ip: string) =>
    limiter.check({ method: 'GET', url: '/', route: '/', headers: {}, ip });

  it('IPv6 addresses of one /64 share one bucket; another /64 has its own', async () => {
    expect((await check('2001:db8:5:6::1')).allowed).toBe(true);
    expect((await check('2001:db8:5:6:ffff:1:2:3')).allowed).toBe(false);
    expect((await check('2001:DB8:5:6:0:0:0:9')).allowed).toBe(false);
    expect((await check('2001:db8:5:7::1')).allowed).toBe(true);
  });

  it('::ffff:a.b.c.d shares with a.b.c.d', async () => {
    expect((await check('198.51.100.20')).allowed).toBe(true);
    expect((await check('::ffff:198.51.100.20')).allowed).toBe(false);
    expect((await check('::ffff:c633:6414')).allowed).toBe(false);
  });

  it('keys with the resolver it is given (core createClientIpResolver, /48 here)', async () => {
    const wide = createRateLimiter({
      clock: createFakeClock(Date.UTC(2026, 0, 1)),
      policies,
      clientIp: createClientIpResolver({ ipv6PrefixLength: 48 }),
    });
    const at = (ip: string) => wide.check({ method: 'GET', url: '/', route: '/', headers: {}, ip });
    expect((await at('2001:db8:5:6::1')).allowed).toBe(true);
    expect((await at('2001:db8:5:7::1')).allowed).toBe(false);
  });
});

describe('key parts and route patterns', () => {
  it('escapes parts so that different tuples never join to the same identity', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (a, b, c, d) => {
        fc.pre(a !== c || b !== d);
        expect(`${escapePart(a)}|${escapePart(b)}`).not.toBe(`${escapePart(c)}|${escapePart(d)}`);
      }),
    );
  });

  it('turns any text into printable ASCII (no NUL for Postgres, no lone surrogate)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(escapePart(text)).toMatch(/^[!-~]*$/);
      }),
    );
    expect(escapePart('a\u0000b')).toBe('a%00b');
    expect(escapePart('\ud800')).toBe('%uD800');
  });

  it('hashes long parts so a client cannot grow keys at will', () => {
    expect(escapePart('a'.repeat(10_000))).toMatch(/^#[A-Za-z0-9_-]{43}$/);
  });

  it('matches paths as Express does by default', () => {
    const pattern = (text: string) => routePatternSchema.parse(text).pattern;
    const records = pattern('/api/v1/entities/:entityId/records');
    expect(records.test('/api/v1/entities/42/records')).toBe(true);
    expect(records.test('/API/v1/entities/42/records/')).toBe(true);
    expect(records.test('/api/v1/entities//records')).toBe(false);
    expect(records.test('/api/v1/entities/42/records/x')).toBe(false);
    expect(pattern('/files/*rest').test('/files/a/b')).toBe(true);
    expect(routePatternSchema.safeParse('no-slash').success).toBe(false);
    expect(routePatternSchema.safeParse('/a/b:c').success).toBe(false);
  });

  it('refuses any pattern text it cannot compile, never throwing', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = routePatternSchema.safeParse(text);
        if (parsed.success)
          expect(parsed.data.pattern.test(text.replaceAll(/[:*][^/]*/g, 'x'))).toBe(true);
      }),
    );
  });
});
