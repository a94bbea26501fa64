import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type PinnedGroup, pinGroup } from '../harness/pinning.js';
import { processCpuNs } from '../harness/proc.js';
import type { Variant } from '../harness/runner.js';
import { LoadClient } from './http-client.js';

/** In flight against each server: enough to keep one core busy, few enough to stay out of its queue. */
export const HTTP_IN_FLIGHT = 16;

/** A server process of one variant, pinned, with a load client on it. */
export interface HttpServer {
  name: string;
  process: ChildProcess;
  client: LoadClient;
  pinned: PinnedGroup | undefined;
}

const serverScript = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const benchDir = fileURLToPath(new URL('../..', import.meta.url));

export async function startServer(
  variant: string,
  serverCpu: number | undefined,
): Promise<HttpServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript, variant], {
    cwd: benchDir,
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
  const client = await LoadClient.open(port, HTTP_IN_FLIGHT, '/items/42');
  return { name: variant, process: child, client, pinned };
}

export function stopServers(servers: readonly HttpServer[]): void {
  for (const server of servers) {
    server.client.close();
    server.process.kill();
  }
}

/** One variant per server: an op is one request, a success is a 200. */
export function httpVariants(
  servers: readonly HttpServer[],
  labels: Record<string, { name: string; baseline?: string }>,
): Variant[] {
  return servers.map((server) => {
    const label = labels[server.name] as { name: string; baseline?: string };
    return { ...label, op: async () => (await server.client.get()) === 200 };
  });
}

/** CPU ns of every server process so far: only the one under load moves during its round. */
export function serversCpuNs(servers: readonly HttpServer[]): () => number {
  return () =>
    servers.reduce(
      (sum, server) =>
        sum + (server.process.pid === undefined ? 0 : (processCpuNs(server.process.pid) ?? 0)),
      0,
    );
}
