/**
 * One of three processes signing one user in at the same time, on a shared Redis or Postgres,
 * each with its own connections and its own `createSessions`. Run by `runInWorkers`.
 */
import { createRedisClient, databaseUrl } from '@rampart/test-utils';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createSessions, type SessionStore } from '../../src/index.js';
import { PostgresSessionStore } from '../../src/postgres.js';
import { RedisSessionStore } from '../../src/redis.js';

export interface SignInInput {
  readonly backend: 'redis' | 'postgres';
  /** The Redis key prefix or the Postgres schema the parent made. */
  readonly namespace: string;
  readonly userId: string;
  readonly signIns: number;
}

export interface SignInOutput {
  /** The tokens this process was handed (the parent checks which still open a session). */
  readonly tokens: string[];
  readonly refused: number;
}

async function openStore(
  input: SignInInput,
): Promise<{ store: SessionStore; close(): Promise<void> }> {
  if (input.backend === 'redis') {
    const redis = createRedisClient();
    return {
      store: new RedisSessionStore({ redis, keyPrefix: input.namespace }),
      close: async () => void (await redis.quit()),
    };
  }
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 10 });
  // biome-ignore lint/suspicious/noExplicitAny: the test's untyped database
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return {
    store: new PostgresSessionStore({ db, schema: input.namespace, purgeIntervalMs: 0 }),
    close: () => db.destroy(),
  };
}

export default async function prepare(input: SignInInput): Promise<() => Promise<SignInOutput>> {
  const { store, close } = await openStore(input);
  const sessions = createSessions({ store, maxSessionsPerUser: 3 });
  const request = {
    method: 'POST',
    url: '/api/v1/sessions',
    headers: { 'user-agent': 'Worker/1' },
    ip: '127.0.0.1',
  };
  // One connection warmed up before the start signal, so the race is between sign-ins, not connects.
  await sessions.list(input.userId);
  return async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: input.signIns }, () => sessions.create(input.userId, request)),
    );
    await close();
    return {
      tokens: outcomes.flatMap((outcome) =>
        outcome.status === 'fulfilled' ? [outcome.value.token] : [],
      ),
      refused: outcomes.filter((outcome) => outcome.status === 'rejected').length,
    };
  };
}
