import { createFakeClock } from '@rampart/core';
import { migrate } from '@rampart/core/postgres';
import { isolatedPostgresSchema, serviceAvailable, warningsWithCode } from '@rampart/test-utils';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/limiter.js';
import { PostgresRateLimitStore } from '../src/stores/postgres.js';
import { rateLimitMigrations } from '../src/stores/postgres-migrations.js';
import { describeRateLimitStoreConformance } from '../src/testing.js';

const hasPostgres = await serviceAvailable('postgres');

describe.skipIf(!hasPostgres)('PostgresRateLimitStore', () => {
  it('on a schema migrate() never ran on: a 503, and one warning that says to run it', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      const limiter = createRateLimiter({
        store: new PostgresRateLimitStore({ db: pg.db, schema: pg.schema, purgeIntervalMs: 0 }),
        policies: { one: { algorithm: 'fixed-window', limit: 5, windowMs: 60_000 } },
      });
      const request = { method: 'GET', url: '/x', route: '/x', headers: {}, ip: '203.0.113.9' };
      const warnings = await warningsWithCode('RAMPART_POSTGRES_NOT_MIGRATED', async () => {
        for (let i = 0; i < 3; i++) {
          await expect(limiter.check(request)).rejects.toMatchObject({ status: 503 });
        }
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain(pg.schema);
    } finally {
      await pg.cleanup();
    }
  });

  it('counts a key part holding NUL or a lone surrogate instead of failing for everyone', async () => {
    const pg = await isolatedPostgresSchema({ max: 2 });
    try {
      await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
      const limiter = createRateLimiter({
        // Frozen, so the two checks of one key fall in one window.
        clock: createFakeClock(Date.UTC(2026, 0, 1)),
        store: new PostgresRateLimitStore({ db: pg.db, schema: pg.schema }),
        key: ['ip', (request) => String(request.body)],
        policies: { one: { algorithm: 'fixed-window', limit: 1, windowMs: 60_000 } },
      });
      const request = (body: string) => ({
        method: 'POST',
        url: '/login',
        route: '/login',
        headers: {},
        ip: '203.0.113.5',
        body,
      });
      expect((await limiter.check(request('a\u0000b'))).allowed).toBe(true);
      expect((await limiter.check(request('a\u0000b'))).allowed).toBe(false);
      expect((await limiter.check(request('\ud800'))).allowed).toBe(true);
      expect((await limiter.check(request('\udc00'))).allowed).toBe(true);
    } finally {
      await pg.cleanup();
    }
  });

  describeRateLimitStoreConformance('postgres', async () => {
    const pg = await isolatedPostgresSchema({ max: 10 });
    await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
    return {
      store: new PostgresRateLimitStore({ db: pg.db, schema: pg.schema, queryTimeoutMs: 30_000 }),
      cleanup: pg.cleanup,
    };
  });
});
