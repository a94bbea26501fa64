import { Cluster, Redis } from 'ioredis';
import pg from 'pg';

/** The backing services store tests run against. */
export type ServiceKind = 'redis' | 'redis-cluster' | 'postgres';

/** How long a probe may take: long enough for a loaded CI box, short enough not to stall a run. */
const PROBE_TIMEOUT_MS = 1000;

/** `REDIS_URL`, or the local default the README tells developers to run. */
export function redisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/** `REDIS_CLUSTER_NODES`, or the seed of the local cluster `scripts/redis-cluster start` runs. */
export function redisClusterSeeds(): string {
  return process.env.REDIS_CLUSTER_NODES || '127.0.0.1:7000';
}

/**
 * `REDIS_CLUSTER_NODES` (comma-separated `host:port` seeds), or the local cluster that
 * `scripts/redis-cluster start` runs: `127.0.0.1:7000`.
 */
export function redisClusterNodes(
  seeds: string = redisClusterSeeds(),
): Array<{ host: string; port: number }> {
  return seeds.split(',').map((seed) => {
    const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(seed.trim());
    if (match === null) throw new Error(`REDIS_CLUSTER_NODES: "${seed}" is not host:port`);
    return { host: match[1] as string, port: Number(match[2]) };
  });
}

/** `DATABASE_URL`, or the local default the README tells developers to run. */
export function databaseUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * The URL with any password replaced, so a skip line or a CI failure never prints a secret.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

const SERVICE_NAMES: Record<ServiceKind, { label: string; env: string }> = {
  redis: { label: 'Redis', env: 'REDIS_URL' },
  'redis-cluster': { label: 'Redis Cluster', env: 'REDIS_CLUSTER_NODES' },
  postgres: { label: 'Postgres', env: 'DATABASE_URL' },
};

// Kept on `process`, not in module scope: Vitest may evaluate this module more than once in
// one process, and the skip line is meant to appear once per process, per service.
const WARNED = Symbol.for('rampart.test-utils.warned-services');
type WarnedHolder = { [WARNED]?: Set<string> };

function warnOnce(kind: ServiceKind, url: string): void {
  const holder = process as unknown as WarnedHolder;
  holder[WARNED] ??= new Set();
  if (holder[WARNED].has(kind)) return;
  holder[WARNED].add(kind);
  const { label, env } = SERVICE_NAMES[kind];
  console.warn(
    `⚠ ${label} tests skipped: no server at ${redactUrl(url)} (set ${env}; CI=true makes this fatal)`,
  );
}

/** Rejects after `ms`, so a server that accepts connections but never answers cannot stall. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {}); // a late failure of the abandoned probe is expected
  }
}

async function probeRedis(url: string): Promise<void> {
  // No retries and no offline queue: one connection attempt, answered or refused.
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // the failure is reported through connect(); keep ioredis quiet
  try {
    await within(
      PROBE_TIMEOUT_MS,
      client.connect().then(() => client.ping()),
    );
  } finally {
    client.disconnect();
  }
}

async function probeRedisCluster(seeds: string): Promise<void> {
  const cluster = new Cluster(redisClusterNodes(seeds), {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    redisOptions: { connectTimeout: PROBE_TIMEOUT_MS, maxRetriesPerRequest: 0 },
  });
  cluster.on('error', () => {});
  try {
    const info = await within(
      PROBE_TIMEOUT_MS,
      cluster.connect().then(() => cluster.cluster('INFO')),
    );
    // A cluster still assigning slots (or with a failed master) would fail tests at random.
    if (!String(info).includes('cluster_state:ok')) throw new Error('cluster_state is not ok');
  } finally {
    cluster.disconnect();
  }
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await within(
      PROBE_TIMEOUT_MS,
      client.connect().then(() => client.query('select 1')),
    );
  } finally {
    await within(PROBE_TIMEOUT_MS, client.end()).catch(() => {});
  }
}

function defaultUrl(kind: ServiceKind): string {
  if (kind === 'redis') return redisUrl();
  if (kind === 'postgres') return databaseUrl();
  return redisClusterSeeds();
}

/** Options of {@link serviceAvailable}; tests of the helper itself point it elsewhere. */
export interface ServiceAvailableOptions {
  /** Overrides `REDIS_URL` / `REDIS_CLUSTER_NODES` / `DATABASE_URL`. */
  url?: string;
}

/**
 * Whether the Redis server, Redis Cluster (`cluster_state:ok`) or Postgres server the store
 * tests use answers within ~1 s.
 *
 * Unreachable with `CI=true`: throws, naming the service and its URL, so the test file fails
 * instead of silently passing with its store tests skipped. Unreachable elsewhere: prints one
 * loud line per process and resolves `false`.
 *
 * @example
 * const hasRedis = await serviceAvailable('redis');
 * describe.skipIf(!hasRedis)('RedisNonceStore', () => { … });
 */
export async function serviceAvailable(
  kind: ServiceKind,
  options: ServiceAvailableOptions = {},
): Promise<boolean> {
  const url = options.url ?? defaultUrl(kind);
  try {
    if (kind === 'redis') await probeRedis(url);
    else if (kind === 'redis-cluster') await probeRedisCluster(url);
    else await probePostgres(url);
    return true;
  } catch (error) {
    const { label, env } = SERVICE_NAMES[kind];
    if (process.env.CI === 'true') {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${label} is required when CI=true but no server answered at ${redactUrl(url)} (${env}): ${reason}`,
        { cause: error },
      );
    }
    warnOnce(kind, url);
    return false;
  }
}
