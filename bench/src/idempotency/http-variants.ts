import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type PinnedGroup, pinGroup } from '../harness/pinning.js';
import { processCpuNs } from '../harness/proc.js';
import { type KeyMode, PostLoadClient } from './post-client.js';

/** In flight against each server: enough to keep one core busy, few enough to stay out of its queue. */
export const HTTP_IN_FLIGHT = 16;

/** A server process of one variant, pinned. */
export interface PostServer {
  name: string;
  process: ChildProcess;
  port: number;
  pinned: PinnedGroup | undefined;
}

const serverScript = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const benchDir = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the server of `variant`, pinned to `serverCpu`; `nodeArgs` go to its node (`--cpu-prof`). */
export async function startServer(
  variant: string,
  serverCpu: number | undefined,
  nodeArgs: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<PostServer> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', serverScript, variant], {
    cwd: benchDir,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${variant} exited ${code}`)));
  });
  const pinned =
    serverCpu === undefined || child.pid === undefined
      ? undefined
      : pinGroup(`${variant} server`, [child.pid], serverCpu);
  return { name: variant, process: child, port, pinned };
}

/** A load client on `server`, sending keys as `keys` says. */
export function clientOf(server: PostServer, keys: KeyMode): Promise<PostLoadClient> {
  return PostLoadClient.open(server.port, HTTP_IN_FLIGHT, keys);
}

export function stopServers(servers: readonly PostServer[]): void {
  for (const server of servers) server.process.kill();
}

/** CPU ns of every server process so far: only the one under load moves during its round. */
export function serversCpuNs(servers: readonly PostServer[]): () => number {
  return () =>
    servers.reduce(
      (sum, server) =>
        sum + (server.process.pid === undefined ? 0 : (processCpuNs(server.process.pid) ?? 0)),
      0,
    );
}
