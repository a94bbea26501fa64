import { createFakeClock, MemoryNonceStore, type NonceStore } from '@rampart/core';
import { migrate, nonceStoreMigrations, PostgresNonceStore } from '@rampart/core/postgres';
import { RedisNonceStore } from '@rampart/core/redis';
import {
  createRedisClient,
  type IsolatedPostgresSchema,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  rawRequest,
  serviceAvailable,
} from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestVerifier, staticSigningSecrets } from '../src/index.js';
import { startApp, type TestApp } from './apps.js';
import { freshNonce, KEY_ID, NOW, SECRET, securityRequest, signV1 } from './helpers.js';

const hasRedis = await serviceAvailable('redis');
const hasPostgres = await serviceAvailable('postgres');
const BODY = '{"data":{"temperature":21}}';
const PATH = '/api/v1/entities/e1/records';

/** The replay guarantees, run against one store. */
function describeReplayProof(name: string, makeStore: () => NonceStore) {
  describe(`on ${name}`, () => {
    const clock = createFakeClock(NOW);
    const verifier = () =>
      createRequestVerifier({
        getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
        nonceStore: makeStore(),
        clock,
      });

    it('refuses a replay', async () => {
      const v = verifier();
      const request = securityRequest(signV1({ body: BODY }), { body: BODY });
      await expect(v.verify(request)).resolves.toMatchObject({ keyId: KEY_ID });
      await expect(v.verify(request)).rejects.toMatchObject({
        status: 401,
        code: 'ERR_NONCE_REPLAYED',
      });
    });

    it('accepts exactly one of 50 concurrent copies of one signed request', async () => {
      const v = verifier();
      const request = securityRequest(signV1({ body: BODY, nonce: freshNonce() }), { body: BODY });
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => v.verify(request)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const codes = results.flatMap((r) =>
        r.status === 'rejected' ? [(r.reason as { code: string }).code] : [],
      );
      expect(codes).toEqual(Array(49).fill('ERR_NONCE_REPLAYED'));
    });

    it.each(['express', 'fastify'] as const)(
      'lets exactly one of 50 concurrent HTTP copies through on %s',
      async (framework) => {
        const app: TestApp = await startApp(framework, { nonceStore: makeStore(), clock });
        try {
          const headers = {
            'content-type': 'application/json',
            ...signV1({ target: PATH, body: BODY }),
          };
          const responses = await Promise.all(
            Array.from({ length: 50 }, () =>
              rawRequest(app.port, { method: 'POST', path: PATH, body: BODY, headers }),
            ),
          );
          const statuses = responses.map((r) => r.status);
          expect(statuses.filter((s) => s === 201)).toHaveLength(1);
          expect(statuses.filter((s) => s === 401)).toHaveLength(49);
        } finally {
          await app.close();
        }
      },
    );
  });
}

describeReplayProof('the memory store', () => new MemoryNonceStore());

describe.skipIf(!hasRedis)('Redis', () => {
  let redis: Redis;
  let prefix: ReturnType<typeof isolatedRedisPrefix>;
  beforeAll(() => {
    redis = createRedisClient();
    prefix = isolatedRedisPrefix(redis);
  });
  afterAll(async () => {
    await prefix?.cleanup();
    redis?.disconnect();
  });
  describeReplayProof(
    'the Redis store',
    () => new RedisNonceStore({ redis, keyPrefix: prefix.prefix }),
  );
});

describe.skipIf(!hasPostgres)('Postgres', () => {
  let pg: IsolatedPostgresSchema;
  beforeAll(async () => {
    pg = await isolatedPostgresSchema({ max: 20 });
    await migrate(pg.db, [nonceStoreMigrations], { schema: pg.schema });
  });
  afterAll(async () => {
    await pg?.cleanup();
  });
  describeReplayProof(
    'the Postgres store',
    () => new PostgresNonceStore({ db: pg.db, schema: pg.schema, clock: createFakeClock(NOW) }),
  );
});
