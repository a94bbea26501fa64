import { Redis } from 'ioredis';
import { type PinnedGroup, pinGroup } from '../harness/pinning.js';
import { processCpuNs, readProcStat } from '../harness/proc.js';

/** A Redis to benchmark against, with what the harness needs to pin and meter it. */
export interface BenchRedis {
  redis: Redis;
  version: string;
  /** The server's pid when it runs on this host (INFO `process_id` names a redis-server here). */
  serverPid: number | undefined;
  /** CPU ns of the server process so far; undefined when it is not on this host. */
  cpuNs: (() => number) | undefined;
  pin(cpu: number): PinnedGroup | undefined;
  close(): Promise<void>;
}

/**
 * Connects with the options both compared variants share: auto-pipelining off (it would batch
 * the bare `SET` and the store's `SET` differently under concurrency) and no retries, so an
 * outage fails the run instead of stalling it.
 */
export async function connectRedis(
  url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<BenchRedis> {
  const redis = new Redis(url, {
    enableAutoPipelining: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    connectTimeout: 2000,
  });
  await redis.connect();
  const info = await redis.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const pidText = /process_id:(\d+)/.exec(info)?.[1];
  const pid = pidText === undefined ? undefined : Number(pidText);
  // A Redis in a container or on another host reports a pid that is not its pid here.
  const local = pid !== undefined && readProcStat(pid)?.comm.startsWith('redis') === true;
  const serverPid = local ? pid : undefined;
  return {
    redis,
    version,
    serverPid,
    cpuNs: serverPid === undefined ? undefined : () => processCpuNs(serverPid) ?? 0,
    pin: (cpu) =>
      serverPid === undefined ? undefined : pinGroup('redis-server', [serverPid], cpu),
    close: async () => {
      await redis.quit();
    },
  };
}
