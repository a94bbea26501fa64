import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate } from '@rampart/core/postgres';
import {
  createRedisClient,
  isolatedPostgresSchema,
  isolatedRedisPrefix,
  serviceAvailable,
} from '@rampart/test-utils';
import { describe, expect, it } from 'vitest';
import { rateLimitMigrations } from '../src/stores/postgres-migrations.js';

const hasRedis = await serviceAvailable('redis');
const hasPostgres = await serviceAvailable('postgres');
const worker = fileURLToPath(new URL('./fixtures/race-worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Worker {
  ready: Promise<void>;
  go(): void;
  allowed: Promise<number>;
}

/** Starts one worker process; `allowed` resolves how many of its requests passed. */
/** One instant for every worker: each counts in the same window, wherever the clock stands. */
const NOW = Date.UTC(2026, 0, 1, 12);

function startWorker(kind: string, place: string, count: number): Worker {
  // From the repository root, so tsx maps `@rampart/*` to the sources like the tests do.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', worker, kind, place, String(count), String(NOW)],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk) => (err += chunk));
  const allowed = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker exited ${code}: ${err}`));
      else
        resolve(
          (JSON.parse(out.trim().split('\n').pop() as string) as { allowed: number }).allowed,
        );
    });
  });
  return { ready, allowed, go: () => child.stdin.end('go\n') };
}

/** 1000 requests for one key, split over three connected processes released together. */
async function race(kind: string, place: string): Promise<number[]> {
  const workers = [334, 333, 333].map((count) => startWorker(kind, place, count));
  await Promise.race([
    Promise.all(workers.map((w) => w.ready)),
    Promise.all(workers.map((w) => w.allowed)),
  ]);
  for (const w of workers) w.go();
  return Promise.all(workers.map((w) => w.allowed));
}

describe('three processes, one key, limit 100, 1000 concurrent requests', () => {
  it.skipIf(!hasRedis)(
    'sharing Redis: exactly 100 pass in total',
    async () => {
      const redis = createRedisClient();
      const { prefix, cleanup } = isolatedRedisPrefix(redis);
      try {
        const allowed = await race('redis', prefix);
        expect(allowed.reduce((sum, n) => sum + n, 0)).toBe(100);
      } finally {
        await cleanup();
        await redis.quit();
      }
    },
    60_000,
  );

  it.skipIf(!hasPostgres)(
    'sharing Postgres: exactly 100 pass in total',
    async () => {
      const pg = await isolatedPostgresSchema({ max: 2 });
      try {
        await migrate(pg.db, [rateLimitMigrations], { schema: pg.schema });
        const allowed = await race('postgres', pg.schema);
        expect(allowed.reduce((sum, n) => sum + n, 0)).toBe(100);
      } finally {
        await pg.cleanup();
      }
    },
    90_000,
  );
});
