import { randomBytes } from 'node:crypto';
import { createFakeClock } from '@rampart/core';
import { runInWorkers } from '@rampart/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKeys } from '../src/index.js';
import type { VerifyWorkerInput } from './fixtures/verify-worker.js';
import {
  hasPostgres,
  hasRedis,
  postgresStore,
  redisStore,
  type StoreUnderTest,
} from './helpers/stores.js';

const WORKER = new URL('./fixtures/verify-worker.ts', import.meta.url);
const HOUR = 3_600_000;

describe.each([
  ['redis', hasRedis, redisStore],
  ['postgres', hasPostgres, postgresStore],
] as const)('across three processes on %s', (kind, available, make) => {
  let underTest: StoreUnderTest | undefined;
  afterEach(async () => {
    await underTest?.cleanup();
    underTest = undefined;
  });

  async function setUp() {
    underTest = await make();
    const pepper = randomBytes(32).toString('base64url');
    const now = Math.floor(Date.now() / HOUR) * HOUR + 1000;
    const apiKeys = createApiKeys({
      store: underTest.store,
      peppers: [{ id: 'p1', key: pepper }],
      clock: createFakeClock(now),
      lastUsedFlushMs: 0,
    });
    const inputs = (key: string, counts: readonly number[]): VerifyWorkerInput[] =>
      counts.map((count) => ({
        store: kind,
        place: (underTest as StoreUnderTest).place,
        pepper,
        key,
        count,
        now,
      }));
    return { apiKeys, inputs };
  }

  it.skipIf(!available)(
    'lets exactly the 5 requests left through of 20 sent at once by three processes',
    async () => {
      const { apiKeys, inputs } = await setUp();
      const { key } = await apiKeys.create({
        ownerId: 'u1',
        name: 'race',
        scopes: ['entities:read'],
        rateLimit: { limit: 8, windowMs: HOUR },
      });
      for (let i = 0; i < 3; i++) expect((await apiKeys.verify(key)).valid).toBe(true);
      const answers = await runInWorkers<VerifyWorkerInput, string[]>(
        WORKER,
        inputs(key, [7, 7, 6]),
      );
      const codes = answers.flat();
      expect(codes).toHaveLength(20);
      expect(codes.filter((code) => code === 'valid')).toHaveLength(5);
      expect(codes.filter((code) => code === 'ERR_RATE_LIMIT_EXCEEDED')).toHaveLength(15);
    },
    120_000,
  );

  it.skipIf(!available)(
    'refuses a key in other processes from the first request after it is revoked here',
    async () => {
      const { apiKeys, inputs } = await setUp();
      const { key, info } = await apiKeys.create({ ownerId: 'u1', name: 'k', scopes: ['a:b'] });
      const before = await runInWorkers<VerifyWorkerInput, string[]>(
        WORKER,
        inputs(key, [1, 1, 1]),
      );
      expect(before.flat()).toEqual(['valid', 'valid', 'valid']);
      expect(await apiKeys.revoke({ id: info.id, ownerId: 'u1' })).toBe(true);
      const after = await runInWorkers<VerifyWorkerInput, string[]>(WORKER, inputs(key, [1, 1, 1]));
      expect(after.flat()).toEqual([
        'ERR_API_KEY_INVALID',
        'ERR_API_KEY_INVALID',
        'ERR_API_KEY_INVALID',
      ]);
    },
    120_000,
  );
});
