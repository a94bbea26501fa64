import { describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../src/index.js';
import { hasPostgres, makeTrail, STORES } from './helpers/trail.js';

const postgres = STORES.find(([name]) => name === 'postgres');
if (!postgres) throw new Error('no postgres harness');
const makePostgres = postgres[2];

/** Yields to the event loop, as a request handler awaiting I/O would. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('load', () => {
  it.skipIf(!hasPostgres)(
    '100 000 events from 1 000 concurrent requests into Postgres: all recorded, one valid chain',
    async () => {
      const harness = await makePostgres();
      try {
        const { trail } = makeTrail(harness.store, { batchSize: 2000, maxQueue: 200_000 });
        const request = async (client: number) => {
          for (let i = 0; i < 100; i++) {
            trail.record({
              type: i % 10 === 0 ? 'LOGIN_FAILURE' : 'RATE_LIMIT_EXCEEDED',
              severity: 'warning',
              userId: `user-${client % 50}`,
              ip: `10.0.${client % 256}.${i}`,
              detail: { client, i },
            });
            if (i % 10 === 9) await tick();
          }
        };
        await Promise.all(Array.from({ length: 1000 }, (_, client) => request(client)));
        await trail.close();
        const stats = trail.stats();
        expect(stats.written).toBe(100_000);
        expect(stats.folded).toBe(0);
        const verdict = await trail.verify();
        expect(verdict).toEqual({ valid: true, checked: 100_000 });
        const metrics = await trail.metrics({ windowMs: 10 * 86_400_000 });
        expect(metrics.compliance.auditLogEntries).toBe(100_000);
        expect(metrics.authentication.failedLogins).toBe(10_000);
      } finally {
        await harness.cleanup();
      }
    },
    120_000,
  );

  it('a flood of 1 000 000 invalid signatures with a queue of 100: bounded, every critical event kept, the counts add up', async () => {
    const store = new MemoryAuditStore();
    const { trail, clock } = makeTrail(store, { maxQueue: 100, maxAggregates: 50, batchSize: 100 });
    let criticals = 0;
    let maxHeld = 0;
    for (let chunk = 0; chunk < 100; chunk++) {
      for (let i = 0; i < 10_000; i++) {
        trail.record({
          type: 'INVALID_SIGNATURE',
          severity: 'warning',
          source: '@rampart/request-signing',
          code: 'ERR_SIGNATURE_INVALID',
          ip: `203.0.${chunk}.${i % 200}`,
        });
        if (i % 1000 === 0) {
          trail.record({
            type: 'TOKEN_REUSE',
            severity: 'critical',
            userId: `victim-${criticals}`,
          });
          criticals++;
        }
      }
      const stats = trail.stats();
      maxHeld = Math.max(maxHeld, stats.queued + stats.aggregates);
      expect(stats.queued).toBeLessThanOrEqual(100);
      // The per-actor groups, plus one actor-less group per (type, outcome, window).
      expect(stats.aggregates).toBeLessThanOrEqual(50 + 2);
      clock.advance(1000);
      await tick();
    }
    await trail.flush();
    expect(maxHeld).toBeLessThanOrEqual(152);

    const metrics = await trail.metrics();
    expect(metrics.threats.maliciousPayloads).toBe(1_000_000);
    let reuse = 0;
    for (let cursor: string | null | undefined; ; ) {
      const page = await trail.query({
        type: 'TOKEN_REUSE',
        limit: 500,
        cursor: cursor ?? undefined,
      });
      reuse += page.items.length;
      for (const item of page.items) expect(item.aggregate).toBeUndefined();
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(reuse).toBe(criticals);
    expect(criticals).toBe(1000);
    const folded = await trail.query({ type: 'INVALID_SIGNATURE', limit: 500 });
    expect(folded.items.some((item) => (item.aggregate?.count ?? 1) > 1)).toBe(true);
    expect(await trail.verify()).toMatchObject({ valid: true });
  }, 60_000);

  it.skipIf(!hasPostgres)(
    'a graceful shutdown in the middle of a load loses nothing',
    async () => {
      const harness = await makePostgres();
      try {
        const { trail } = makeTrail(harness.store, { batchSize: 500, maxQueue: 50_000 });
        for (let i = 0; i < 20_000; i++)
          trail.record({ type: 'LOGOUT', severity: 'info', userId: `u${i % 10}` });
        await tick(); // the first batch is in flight
        const closing = trail.close();
        for (let i = 0; i < 100; i++) trail.record({ type: 'LOGOUT', severity: 'info' }); // requests still finishing
        await closing;
        const reader = makeTrail(harness.store).trail;
        expect(await reader.verify()).toEqual({ valid: true, checked: 20_100 });
      } finally {
        await harness.cleanup();
      }
    },
    60_000,
  );
});
