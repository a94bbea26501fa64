import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';

/**
 * A redis-server of the bench's own, on a Unix socket, no persistence: INFO commandstats of the
 * shared server counts every other client's commands too (tests running beside the bench), so
 * round trips are counted where only the bench talks. Undefined when `redis-server` is missing.
 */
export async function startPrivateRedis(): Promise<
  { redis: Redis; version: string; stop(): Promise<void> } | undefined
> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-redis-'));
  const socket = join(dir, 'redis.sock');
  const server = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<undefined>((resolve) =>
    server.once('error', () => resolve(undefined)),
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    const redis = new Redis({
      path: socket,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: false,
    });
    redis.on('error', () => {});
    const connected = await Promise.race([
      redis.connect().then(
        () => true,
        () => false,
      ),
      failed,
    ]);
    if (connected === true) {
      const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
      return {
        redis,
        version,
        async stop() {
          await redis.quit().catch(() => {});
          server.kill();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    redis.disconnect();
    if (connected === undefined) break;
    await delay(100);
  }
  server.kill();
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}
