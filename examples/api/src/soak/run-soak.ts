import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type AppProcess, startApp } from '../demo/app-process.js';
import { SoakClient } from './soak-client.js';
import { runTraffic, type TrafficTally } from './traffic.js';

/** One sample every `sampleMs`: the app process's own figures and the Redis server's. */
export interface SoakSample {
  readonly elapsedMs: number;
  readonly heapUsed: number;
  readonly rss: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  readonly handles: number;
  readonly redisUsedMemory: number;
  readonly redisClients: number;
  /** Keys under the soak's prefix: state created and expired, which should level off too. */
  readonly redisKeys: number;
}

export interface SoakOptions {
  readonly durationMs: number;
  readonly sampleMs: number;
  /** Legitimate clients; a quarter as many attackers run beside them. */
  readonly users: number;
  /** Requests per second all clients together aim at (see `TrafficOptions.ratePerSecond`). */
  readonly ratePerSecond: number;
  readonly redisUrl: string;
  /** Every key under it is deleted before (`--fresh`) and after the run. */
  readonly keyPrefix: string;
  readonly framework: 'fastify' | 'express';
  /** The app's in-memory audit window (`AUDIT_MEMORY_RECORDS`); the full trail goes to a file. */
  readonly auditMemoryRecords: number;
}

export interface SoakReport {
  readonly options: SoakOptions;
  readonly samples: readonly SoakSample[];
  readonly tally: TrafficTally;
  /** Lines of the app's JSON-lines audit trail (`AUDIT_LOG_FILE`): every record of the run. */
  readonly auditRecords: number;
}

const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));
const PROCESS_SAMPLE = /^SOAK_SAMPLE (\{.*\})$/gm;

type ProcessSample = Omit<SoakSample, 'redisUsedMemory' | 'redisClients' | 'redisKeys'>;
/** A probe line: `at` is the wall clock (epoch ms), so the harness puts it on the traffic's clock. */
type ProbeLine = Omit<ProcessSample, 'elapsedMs'> & { readonly at: number };
type ServerSample = Pick<SoakSample, 'redisUsedMemory' | 'redisClients' | 'redisKeys'>;

function infoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match === null ? 0 : Number(match[1]);
}

async function sampleRedis(redis: Redis, prefix: string): Promise<ServerSample> {
  const memory = await redis.info('memory');
  const clients = await redis.info('clients');
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys += batch.length;
  } while (cursor !== '0');
  return {
    redisUsedMemory: infoField(memory, 'used_memory'),
    redisClients: infoField(clients, 'connected_clients'),
    redisKeys: keys,
  };
}

async function countLines(file: string): Promise<number> {
  try {
    const text = await readFile(file, 'latin1');
    return text.split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** Asks the probe for a sample now (SIGUSR2) and waits until its line is printed. */
async function probeSampleNow(app: AppProcess, since: number): Promise<void> {
  // Only to a probe that has printed: without its listener, SIGUSR2 would end the app.
  if (!/^SOAK_SAMPLE /m.test(app.output())) return;
  app.child.kill('SIGUSR2');
  for (let waited = 0; waited < 5000; waited += 50) {
    const lines = [...app.output().matchAll(PROCESS_SAMPLE)];
    const last = lines.at(-1);
    if (last !== undefined && (JSON.parse(last[1] as string) as ProbeLine).at >= since) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Runs the example app on Redis under mixed traffic for `durationMs`, sampling every `sampleMs`,
 * and stops by itself. Loopback only. The app runs as a user starts it, with a probe preloaded
 * (NODE_OPTIONS) that prints its heap, RSS and event-loop delay.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const signing = { keyId: 'soak-client', secret: randomBytes(32).toString('base64url') };
  const auditFile = join(tmpdir(), `rampart-soak-audit-${process.pid}.jsonl`);
  let app: AppProcess | undefined;
  try {
    app = await startApp({
      args: ['--port', '0', '--framework', options.framework, '--store', 'redis', '--fresh'],
      env: {
        // --expose-gc: the probe collects before each sample, so the heap line shows live data.
        NODE_OPTIONS: `--expose-gc --import=${PROBE}`,
        SOAK_SAMPLE_MS: String(options.sampleMs),
        REDIS_URL: options.redisUrl,
        RAMPART_KEY_PREFIX: options.keyPrefix,
        // Every simulated client sends its own address through the loopback "proxy".
        TRUSTED_PROXIES: '127.0.0.1/32',
        REGISTER_LIMIT_PER_HOUR: '100000',
        SIGNING_KEY_ID: signing.keyId,
        SIGNING_SECRET: signing.secret,
        // As an app on Redis runs its trail: every record in a file, a window of them in memory.
        AUDIT_LOG_FILE: auditFile,
        AUDIT_MEMORY_RECORDS: String(options.auditMemoryRecords),
      },
    });
    const startedAt = Date.now();
    const serverSamples: Array<ServerSample & { elapsedMs: number }> = [];
    const sampleServer = () => {
      const elapsedMs = Date.now() - startedAt;
      return sampleRedis(redis, options.keyPrefix).then(
        (sample) => {
          serverSamples.push({ ...sample, elapsedMs });
        },
        () => {}, // a missed sample is a gap in the plot, not a failed soak
      );
    };
    const sampler = setInterval(sampleServer, options.sampleMs);
    const tally = await runTraffic(new SoakClient(app.url, signing), {
      users: options.users,
      ratePerSecond: options.ratePerSecond,
      // Arrivals over the first 5% of the run, at most 10 s: within warm-up, never one burst.
      rampMs: Math.min(10_000, options.durationMs / 20),
      running: () => Date.now() - startedAt < options.durationMs,
    });
    clearInterval(sampler);
    const endedAt = Date.now();
    await sampleServer();
    // The last sample is taken at the end of the traffic, not up to a period after it.
    await probeSampleNow(app, endedAt);
    const processSamples = [...app.output().matchAll(PROCESS_SAMPLE)]
      .map((match) => JSON.parse(match[1] as string) as ProbeLine)
      // On the traffic's clock: what the app did while it started up is no part of the run.
      .map(({ at, ...sample }) => ({ ...sample, elapsedMs: at - startedAt }))
      .filter((sample) => sample.elapsedMs >= 0 && sample.elapsedMs <= endedAt - startedAt + 1000);
    const samples = processSamples.map((sample) => {
      // The Redis sample nearest in time to the process's.
      const nearest = serverSamples.reduce<(typeof serverSamples)[number] | undefined>(
        (best, candidate) =>
          best === undefined ||
          Math.abs(candidate.elapsedMs - sample.elapsedMs) <
            Math.abs(best.elapsedMs - sample.elapsedMs)
            ? candidate
            : best,
        undefined,
      );
      return {
        ...sample,
        redisUsedMemory: nearest?.redisUsedMemory ?? 0,
        redisClients: nearest?.redisClients ?? 0,
        redisKeys: nearest?.redisKeys ?? 0,
      };
    });
    const auditRecords = await countLines(auditFile);
    return { options, samples, tally, auditRecords };
  } finally {
    const code = await app?.stop();
    await rm(auditFile, { force: true });
    if (app !== undefined && code !== 0) {
      console.error(`the app exited with code ${code}:\n${app.output().slice(-2000)}`);
    }
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${options.keyPrefix}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }
}
