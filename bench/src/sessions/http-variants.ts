import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinGroup } from '../harness/pinning.js';
import { LoadClient } from '../rate-limit/http-client.js';
import { HTTP_IN_FLIGHT, type HttpServer } from '../rate-limit/http-variants.js';
import { BENCH_USER_AGENT } from './announce.js';

/**
 * A server process of one variant, pinned, with a load client carrying its session cookie: the
 * rate-limit bench's `HttpServer`, so its `httpVariants`, `serversCpuNs` and `stopServers` serve.
 */
export type SessionServer = HttpServer;

const ours = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const peers = fileURLToPath(new URL('./peer-server.mjs', import.meta.url));
const benchDir = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `variant` (`*-peer` from peer-server.mjs, the rest from http-server.ts), pinned to `cpu`. */
export async function startSessionServer(
  variant: string,
  cpu: number | undefined,
): Promise<SessionServer> {
  const script = variant.endsWith('-peer') ? peers : ours;
  const child = spawn(process.execPath, ['--import', 'tsx', script, variant], {
    cwd: benchDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { port, cookie } = await new Promise<{ port: number; cookie: string }>(
    (resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk) => {
        out += chunk;
        const match = /port (\d+) cookie (\S+)/.exec(out);
        if (match) resolve({ port: Number(match[1]), cookie: match[2] as string });
      });
      child.once('exit', (code) => reject(new Error(`${variant} exited ${code}`)));
    },
  );
  const pinned =
    cpu === undefined || child.pid === undefined
      ? undefined
      : pinGroup(`${variant} server`, [child.pid], cpu);
  const client = await LoadClient.open(port, HTTP_IN_FLIGHT, '/items/42', {
    'User-Agent': BENCH_USER_AGENT,
    Cookie: cookie,
  });
  return { name: variant, process: child, client, pinned };
}
