import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  deleteRedisPrefix,
  isolatedPostgresSchema,
  randomRedisPrefix,
  runInWorkers,
} from '@rampart/test-utils';
import { describe, expect, it } from 'vitest';
import { idempotencyMigrations } from '../src/postgres.js';
import { hasPostgres, hasRedis } from './stores.js';
import type { RaceInput, RaceOutput } from './workers/race-worker.js';

const WORKER = new URL('./workers/race-worker.ts', import.meta.url);

/** 50 identical requests, split over three processes sharing one store. */
function inputs(backend: RaceInput['backend'], namespace: string): RaceInput[] {
  return [17, 17, 16].map((requests) => ({ backend, namespace, requests }));
}

function expectOneRun(outputs: RaceOutput[]): void {
  expect(outputs.reduce((sum, output) => sum + output.runs, 0)).toBe(1);
  const answers = outputs.flatMap((output) => output.answers);
  expect(answers).toHaveLength(50);
  const created = answers.filter((answer) => answer.status === 201 && !answer.replayed);
  expect(created).toHaveLength(1);
  for (const answer of answers) {
    if (answer.status === 201) expect(answer.text).toBe(created[0]?.text);
    else expect(answer).toMatchObject({ status: 409, code: 'ERR_IDEMPOTENCY_IN_FLIGHT' });
  }
}

describe('across three processes', () => {
  it.skipIf(!hasRedis)(
    'runs the handler once for 50 identical requests on Redis',
    async () => {
      const prefix = randomRedisPrefix();
      try {
        expectOneRun(await runInWorkers<RaceInput, RaceOutput>(WORKER, inputs('redis', prefix)));
      } finally {
        const redis = createRedisClient();
        await deleteRedisPrefix(redis, prefix);
        await redis.quit();
      }
    },
    60_000,
  );

  it.skipIf(!hasPostgres)(
    'runs the handler once for 50 identical requests on Postgres',
    async () => {
      const pg = await isolatedPostgresSchema();
      try {
        await migrate(pg.db, [idempotencyMigrations], { schema: pg.schema });
        expectOneRun(
          await runInWorkers<RaceInput, RaceOutput>(WORKER, inputs('postgres', pg.schema)),
        );
      } finally {
        await pg.cleanup();
      }
    },
    60_000,
  );
});
