import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long a started server may take to answer PING on a loaded machine. */
const READY_TIMEOUT_MS = 10_000;

/**
 * A `redis-server` of the test's own (Debian's binary), on a free port and its own data
 * directory, so the test can kill and restart it without touching the servers other tests share.
 */
export interface RedisServerProcess {
  /** The port it listens on, the same after `restart()`. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its data directory (the append-only file when `persistence` is `'aof-always'`). */
  readonly dir: string;
  /** SIGKILL, as a crash or the OOM killer would: no shutdown save. Resolves once it exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port, directory and options; resolves once it answers PING. */
  restart(): Promise<void>;
  /** Kills it (if running) and removes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /**
   * `'aof-always'`: `--appendonly yes --appendfsync always`, every acknowledged write is on disk
   * before the reply, so a restart after SIGKILL keeps it. `'none'`: no AOF and no RDB, so a
   * restart starts empty.
   */
  persistence: 'aof-always' | 'none';
}

/**
 * Whether Debian's `redis-server` binary is on PATH. With `CI=true` a missing binary throws
 * (the fault tests must run in CI); elsewhere it prints one line and answers false.
 */
export function redisServerBinaryAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const message = 'redis-server is not on PATH (Debian: apt-get install redis-server)';
  if (process.env.CI === 'true') throw new Error(`${message}; required when CI=true`);
  console.warn(`⚠ tests needing their own Redis server skipped: ${message}`);
  return false;
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: true when the server answers `+PONG` (not `-LOADING`). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Resolves once the server on `port` answers PING; rejects after {@link READY_TIMEOUT_MS}. */
export async function waitForRedisPing(port: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child !== undefined && child.exitCode !== null) {
      throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
    }
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
}

function serverArgs(port: number, dir: string, persistence: RedisServerOptions['persistence']) {
  const durability =
    persistence === 'aof-always'
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
  // --save "": no RDB snapshot either way, so what survives a restart is the AOF's doing alone.
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...durability];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a private `redis-server` (see {@link RedisServerProcess}); resolves once it answers.
 *
 * @example
 * const server = await startRedisServer({ persistence: 'aof-always' });
 * await server.kill(); // every client sees the connection reset
 * await server.restart(); // the acknowledged writes are back from the AOF
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const started = spawn('redis-server', serverArgs(port, dir, options.persistence), {
      stdio: 'ignore',
    });
    child = started;
    await waitForRedisPing(port, started);
  }

  async function kill(): Promise<void> {
    if (child === undefined) return;
    const running = child;
    child = undefined;
    running.kill('SIGKILL');
    await exited(running);
  }

  try {
    await launch();
  } catch (error) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
