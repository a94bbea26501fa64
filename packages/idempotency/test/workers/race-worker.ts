/**
 * One of three processes racing on one store: it serves the idempotent route on its own port and,
 * at the signal, sends its share of the 50 identical requests to it. Run by `runInWorkers`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createRedisClient, databaseUrl, rawRequest } from '@rampart/test-utils';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createIdempotency, type IdempotencyStore } from '../../src/index.js';
import { PostgresIdempotencyStore } from '../../src/postgres.js';
import { RedisIdempotencyStore } from '../../src/redis.js';
import { Handlers, startExpress } from '../helpers/apps.js';

export interface RaceInput {
  readonly backend: 'redis' | 'postgres';
  /** The Redis key prefix or the Postgres schema the parent made. */
  readonly namespace: string;
  readonly requests: number;
}

export interface RaceOutput {
  /** How many times this process ran the handler. */
  readonly runs: number;
  readonly answers: ReadonlyArray<{
    status: number;
    replayed: boolean;
    code?: string;
    text: string;
  }>;
}

async function openStore(
  input: RaceInput,
): Promise<{ store: IdempotencyStore; close(): Promise<void> }> {
  if (input.backend === 'redis') {
    const redis = createRedisClient();
    return {
      store: new RedisIdempotencyStore({ redis, keyPrefix: input.namespace }),
      close: async () => {
        await redis.quit();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 20 });
  // biome-ignore lint/suspicious/noExplicitAny: the test's untyped database
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return {
    store: new PostgresIdempotencyStore({ db, schema: input.namespace }),
    close: () => db.destroy(),
  };
}

export default async function prepare(input: RaceInput): Promise<() => Promise<RaceOutput>> {
  const { store, close } = await openStore(input);
  const handlers = new Handlers();
  // The handler takes a while, as a real insert does, so the three processes' requests overlap it.
  handlers.hold();
  const server = await startExpress(createIdempotency({ store }), handlers);
  return async function run(): Promise<RaceOutput> {
    const sent = Array.from({ length: input.requests }, () =>
      rawRequest(server.port, {
        method: 'POST',
        path: '/items/42',
        headers: {
          'idempotency-key': '"three-processes"',
          'x-test-user': 'racer',
          'content-type': 'application/json',
        },
        body: '{"data":{"n":42}}',
      }),
    );
    await delay(50);
    handlers.open();
    const answers = (await Promise.all(sent)).map((answer) => ({
      status: answer.status,
      replayed: answer.headers['idempotency-replayed'] === 'true',
      text: answer.text,
      ...(answer.status === 201 ? {} : { code: String(answer.json().code) }),
    }));
    await server.close();
    await close();
    return { runs: handlers.runs, answers };
  };
}
