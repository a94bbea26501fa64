/**
 * The stores a test file can run the app on, each isolated from every other test file sharing
 * the Redis and Postgres servers: its own Redis key prefix and its own Postgres schema, both
 * removed in an `afterAll` this module registers when it is imported.
 *
 * Vitest evaluates this module once per test file (modules are isolated per file), so each file
 * that imports it gets a prefix and a schema of its own; nothing is shared between files. The
 * cleanup is registered here, beside what it removes, so no file can forget it; it is
 * registered before the file's own hooks and so runs after them (after the apps have stopped).
 */
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { afterAll } from 'vitest';
import type { StoreKind } from '../src/config.js';

/** Whether the app can run on each store here: memory always, the others if their server answers. */
export const available: Readonly<Record<StoreKind, boolean>> = {
  memory: true,
  redis: await serviceAvailable('redis'),
  postgres: await serviceAvailable('postgres'),
};

/** A client on the test Redis, for assertions on the app's keys; undefined without Redis. */
export const redis = available.redis ? createRedisClient() : undefined;

/** This file's Redis key prefix (`redisPrefix.prefix`); undefined without Redis. */
export const redisPrefix = redis === undefined ? undefined : isolatedRedisPrefix(redis);

/** This file's Postgres schema (`pg.schema`) and a small pool on it; undefined without Postgres. */
export const pg = available.postgres ? await isolatedPostgresSchema({ max: 2 }) : undefined;

/** The app's environment for this file's prefix and schema: spread it into `startApp`'s `env`. */
export const isolation: Readonly<Record<string, string>> = {
  ...(redisPrefix === undefined ? {} : { RAMPART_KEY_PREFIX: redisPrefix.prefix }),
  ...(pg === undefined ? {} : { DATABASE_SCHEMA: pg.schema }),
};

afterAll(async () => {
  await redisPrefix?.cleanup();
  await redis?.quit();
  await pg?.cleanup();
});
