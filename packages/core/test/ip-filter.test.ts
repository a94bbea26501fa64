import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../src/events.js';
import { rampartCore as expressRampartCore, ipFilter } from '../src/express.js';
import { fastifyIpFilter, rampartCore } from '../src/fastify.js';
import { createIpFilter, type IpFilterRules } from '../src/index.js';

describe('IpFilter', () => {
  const filter = createIpFilter({
    rules: { block: ['203.0.113.0/24', '198.51.100.7', '2001:db8::/32', '::ffff:192.0.2.0/120'] },
  });

  it.each([
    ['203.0.113.9', 'blocked'],
    ['::ffff:203.0.113.9', 'blocked'],
    ['::ffff:cb00:7109', 'blocked'],
    ['198.51.100.7', 'blocked'],
    ['198.51.100.8', undefined],
    ['2001:db8:1::1', 'blocked'],
    ['2001:0db8:0000::1', 'blocked'],
    ['2001:db9::1', undefined],
    ['192.0.2.200', 'blocked'],
    ['192.0.3.1', undefined],
    ['10.0.0.1', undefined],
    ['not an ip', undefined],
  ])('%s → %s', (ip, refusal) => {
    expect(filter.refusal(ip)).toBe(refusal);
  });

  it('lets through only the allow list when one is given, an empty one refusing all', () => {
    const allow = createIpFilter({
      rules: { allow: ['10.0.0.0/8', '::1'], block: ['10.9.0.0/16'] },
    });
    expect(allow.refusal('10.1.2.3')).toBeUndefined();
    expect(allow.refusal('::1')).toBeUndefined();
    expect(allow.refusal('10.9.0.1')).toBe('blocked');
    expect(allow.refusal('192.0.2.1')).toBe('not-allowed');
    expect(allow.refusal('junk')).toBe('not-allowed');
    expect(createIpFilter({ rules: { allow: [] } }).refusal('10.0.0.1')).toBe('not-allowed');
  });

  it('is updated at runtime, and a bad update keeps the old rules', () => {
    const live = createIpFilter({ rules: { block: ['192.0.2.1'] } });
    live.update({ block: ['192.0.2.2'] });
    expect(live.refusal('192.0.2.1')).toBeUndefined();
    expect(live.refusal('192.0.2.2')).toBe('blocked');
    expect(() => live.update({ block: ['192.0.2.3', '300.0.0.1'] })).toThrow(
      expect.objectContaining({ option: 'IpFilter.update.block[1]' }),
    );
    expect(live.refusal('192.0.2.2')).toBe('blocked');
    expect(live.refusal('192.0.2.3')).toBeUndefined();
  });

  it('follows a getter, compiling again only when its arrays change', () => {
    let rules: IpFilterRules = { block: Object.freeze(['192.0.2.1']) };
    const live = createIpFilter({ rules: () => rules });
    expect(live.refusal('192.0.2.1')).toBe('blocked');
    rules = { block: Object.freeze(['192.0.2.9']), allow: undefined };
    expect(live.refusal('192.0.2.1')).toBeUndefined();
    expect(live.refusal('192.0.2.9')).toBe('blocked');
    expect(() => live.update({})).toThrow(TypeError);
  });

  it('refuses bad rules at start-up naming the entry', () => {
    expect(() => createIpFilter({ rules: { block: ['10.0.0.0/33'] } })).toThrow(
      expect.objectContaining({ option: 'createIpFilter.rules.block[0]' }),
    );
    expect(() => createIpFilter({ rules: { allow: ['10.0.0.1 '] } })).toThrow(
      expect.objectContaining({ option: 'createIpFilter.rules.allow[0]' }),
    );
    expect(() => createIpFilter({} as never)).toThrow(
      expect.objectContaining({ option: 'createIpFilter.rules' }),
    );
  });

  it('emits IP_BLOCKED and throws ERR_IP_BLOCKED', () => {
    const events: SecurityEvent[] = [];
    const audited = createIpFilter({
      rules: { block: ['192.0.2.1'] },
      onEvent: (e) => events.push(e),
    });
    expect(() => audited.assertAllowed('192.0.2.1', { method: 'GET', route: '/x' })).toThrow(
      expect.objectContaining({ status: 403, code: 'ERR_IP_BLOCKED' }),
    );
    expect(events).toMatchObject([
      { type: 'IP_BLOCKED', ip: '192.0.2.1', reason: 'blocked', route: '/x' },
    ]);
  });
});

/** Each request claims a client address through X-Forwarded-For from the trusted loopback proxy. */
async function from(
  base: string,
  path: string,
  ip: string,
): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${base}${path}`, { headers: { 'x-forwarded-for': ip } });
  const text = await response.text();
  return {
    status: response.status,
    ...(response.status === 403 ? { code: JSON.parse(text).code } : {}),
  };
}

describe('the adapters over real listens', () => {
  const rules = { block: ['203.0.113.0/24'] as readonly string[] };
  const filter = createIpFilter({ rules: () => rules });
  const bases: Record<string, string> = {};
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(expressRampartCore({ trustedProxies: ['loopback'] }));
    app.use(ipFilter(filter, { exemptPaths: ['/health'] }));
    app.get('/health', (_req, res) => res.json({ ok: true }));
    app.get('/x', (_req, res) => res.json({ ok: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    bases.express = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closers.push(() => new Promise((resolve) => server.close(resolve)));

    const fastify = Fastify();
    await fastify.register(rampartCore, { trustedProxies: ['loopback'] });
    await fastify.register(fastifyIpFilter, { filter, exemptPaths: ['/health'] });
    fastify.get('/health', async () => ({ ok: true }));
    fastify.get('/x', async () => ({ ok: true }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    bases.fastify = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
    closers.push(() => fastify.close());
  });
  afterAll(() => Promise.all(closers.map((close) => close())));

  it.each(['express', 'fastify'])(
    '%s: blocks listed clients (not on /health), follows a change at once',
    async (name) => {
      const base = bases[name] as string;
      expect(await from(base, '/x', '203.0.113.5')).toEqual({
        status: 403,
        code: 'ERR_IP_BLOCKED',
      });
      expect(await from(base, '/nowhere', '203.0.113.5')).toEqual({
        status: 403,
        code: 'ERR_IP_BLOCKED',
      });
      expect((await from(base, '/health', '203.0.113.5')).status).toBe(200);
      expect((await from(base, '/health?x=1', '203.0.113.5')).status).toBe(200);
      expect((await from(base, '/x', '198.51.100.1')).status).toBe(200);
      rules.block = ['198.51.100.0/24'];
      try {
        expect((await from(base, '/x', '203.0.113.5')).status).toBe(200);
        expect(await from(base, '/x', '198.51.100.1')).toEqual({
          status: 403,
          code: 'ERR_IP_BLOCKED',
        });
      } finally {
        rules.block = ['203.0.113.0/24'];
      }
    },
  );
});
