import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);
/** The developers' and CI's script: one way to build a cluster, whatever the port base. */
const SCRIPT = fileURLToPath(new URL('../../../scripts/redis-cluster', import.meta.url));
const WAIT_STEP_MS = 100;
/** How long the replicas' first sync may take on a loaded machine. */
const READY_TIMEOUT_MS = 20_000;

/**
 * A 3-master, 3-replica Redis Cluster of the test's own (`scripts/redis-cluster` on another port
 * base and directory), so a test can kill a master without disturbing the shared cluster on
 * 7000-7005 that other test files use at the same time.
 */
export interface DedicatedRedisCluster {
  /** The six nodes, `127.0.0.1:<basePort>` to `+5`: seeds for `ioredis.Cluster`. */
  readonly nodes: Array<{ host: string; port: number }>;
  /** The port of the master serving `key`'s slot now. */
  masterPortOf(key: string): Promise<number>;
  /** Every key matching the SCAN `pattern` on every live master (for a test to find its key). */
  keysMatching(pattern: string): Promise<string[]>;
  /** SIGKILL to the node on `port` (no shutdown, no failover handshake); resolves once it is gone. */
  killNode(port: number): Promise<void>;
  /**
   * Resolves once a node other than `port` serves `key`'s slot as master and every live node
   * says `cluster_state:ok`; rejects after `timeoutMs`.
   */
  waitForFailover(key: string, port: number, timeoutMs: number): Promise<void>;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

/** Options of {@link startDedicatedRedisCluster}. */
export interface DedicatedRedisClusterOptions {
  /** The first of six consecutive ports; keep it away from 7000-7005 (the shared cluster). */
  basePort: number;
  /** `cluster-node-timeout`: how long a master may be silent before its replica takes over. */
  nodeTimeoutMs: number;
}

function node(port: number): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/** One command on one node, `undefined` when the node does not answer. */
async function ask<T>(
  port: number,
  command: (client: Redis) => Promise<T>,
): Promise<T | undefined> {
  const client = node(port);
  try {
    await client.connect();
    return await command(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // kill(0) would signal our own group
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How long a second run (another developer's, on a shared machine) may hold the ports. */
const LOCK_WAIT_MS = 90_000;

/**
 * Takes `<dir>.lock` (holding this process's pid), waiting while a live process holds it: two
 * runs starting the same dedicated cluster would stop each other's nodes. A lock whose process
 * is gone (an aborted run) is taken over.
 */
async function takePortLock(dir: string): Promise<{ release(): Promise<void> }> {
  const path = `${dir}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(path, 'utf8').catch(() => '0'));
    if (!alive(holder)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `process ${holder} holds ${path}: its dedicated Redis Cluster is still in use`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Resolves once all three replicas finished their first sync (`master_link_status:up`): a
 * replica that never synced refuses to take over ("Disconnected from master for longer than
 * allowed"), so a master killed right after `cluster create` would never fail over.
 */
async function replicasInSync(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const infos = await Promise.all(
      ports.map((port) => ask(port, (client) => client.info('replication'))),
    );
    const synced = infos.filter((info) => info?.includes('master_link_status:up') === true);
    if (synced.length === 3) return;
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
  throw new Error(
    `the replicas of the cluster on ${ports[0]} did not sync within ${READY_TIMEOUT_MS} ms`,
  );
}

/**
 * Starts a dedicated cluster through `scripts/redis-cluster` (after stopping whatever an aborted
 * run left on those ports); resolves once it reports `cluster_state:ok`.
 *
 * @example
 * const cluster = await startDedicatedRedisCluster({ basePort: 7100, nodeTimeoutMs: 1000 });
 * await cluster.killNode(await cluster.masterPortOf(key));
 */
export async function startDedicatedRedisCluster(
  options: DedicatedRedisClusterOptions,
): Promise<DedicatedRedisCluster> {
  const dir = join(tmpdir(), `rampart-redis-cluster-${options.basePort}`);
  const env = {
    ...process.env,
    REDIS_CLUSTER_PORT: String(options.basePort),
    REDIS_CLUSTER_DIR: dir,
    REDIS_CLUSTER_NODE_TIMEOUT: String(options.nodeTimeoutMs),
  };
  const script = (command: 'start' | 'stop') => run('bash', [SCRIPT, command], { env });
  const lock = await takePortLock(dir);
  try {
    await script('stop');
    await script('start');
  } catch (error) {
    await lock.release();
    throw error;
  }
  const ports = Array.from({ length: 6 }, (_, offset) => options.basePort + offset);
  await replicasInSync(ports);
  const killed = new Set<number>();
  const live = () => ports.filter((port) => !killed.has(port));

  async function masterPortOf(key: string): Promise<number | undefined> {
    for (const port of live()) {
      const answer = await ask(port, async (client) => {
        const slot = (await client.cluster('KEYSLOT', key)) as number;
        const ranges = await client.cluster('SLOTS');
        const range = ranges.find(([start, end]) => slot >= start && slot <= end);
        return range?.[2] === undefined ? undefined : Number(range[2][1]);
      });
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  async function everyLiveNodeOk(): Promise<boolean> {
    const states = await Promise.all(
      live().map((port) => ask(port, (client) => client.cluster('INFO') as Promise<string>)),
    );
    return states.every((info) => info?.includes('cluster_state:ok') === true);
  }

  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    async masterPortOf(key) {
      const port = await masterPortOf(key);
      if (port === undefined) throw new Error(`no live node of the cluster serves "${key}"`);
      return port;
    },
    async keysMatching(pattern) {
      const found: string[] = [];
      for (const port of live()) {
        await ask(port, async (client) => {
          if (!(await client.info('replication')).includes('role:master')) return;
          let cursor = '0';
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            cursor = next;
            found.push(...keys);
          } while (cursor !== '0');
        });
      }
      return found;
    },
    async killNode(port) {
      const pid = Number(await readFile(join(dir, String(port), 'redis.pid'), 'utf8'));
      killed.add(port);
      process.kill(pid, 'SIGKILL');
      // Gone once the port refuses: a daemon's pid may linger as a zombie where nothing reaps.
      while ((await ask(port, (client) => client.ping())) !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async waitForFailover(key, port, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const master = await masterPortOf(key);
        if (master !== undefined && master !== port && (await everyLiveNodeOk())) return;
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      }
      throw new Error(`no replica took over "${key}" from port ${port} within ${timeoutMs} ms`);
    },
    async stop() {
      try {
        await script('stop');
      } finally {
        await lock.release();
      }
    },
  };
}
