/**
 * Profiles one server of the idempotency HTTP benchmark: starts `<variant>` (http-server.ts)
 * pinned to the last core under `node --cpu-prof`, sends it `<requests>` POSTs from this process
 * (pinned to core 0) with keys as `<keys>` says, and prints the server's CPU µs per request; the
 * profile is written to `<dir>` when the server exits. Open it in Chrome DevTools, or sum its
 * self-time by function.
 * `node --import tsx src/idempotency/profile-server.ts fastify-ours fresh 50000 /tmp/prof`
 */
import { cpus } from 'node:os';
import { pinSelf } from '../harness/pinning.js';
import { HTTP_IN_FLIGHT, serversCpuNs, startServer } from './http-variants.js';
import { type KeyMode, PostLoadClient } from './post-client.js';

const [variant = 'fastify-ours', keys = 'fresh', count = '50000', dir = 'cpu-profiles'] =
  process.argv.slice(2);
const requests = Number(count);
const cores = cpus().length;
console.log(pinSelf(cores > 1 ? 0 : undefined));
const server = await startServer(variant, cores > 1 ? cores - 1 : undefined, [
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
]);
const client = await PostLoadClient.open(server.port, HTTP_IN_FLIGHT, keys as KeyMode);
const serverCpuNs = serversCpuNs([server]);
const before = serverCpuNs();
let sent = 0;
async function sendUntilDone(): Promise<void> {
  while (sent < requests) {
    sent++;
    await client.post();
  }
}
await Promise.all(Array.from({ length: HTTP_IN_FLIGHT }, sendUntilDone));
const microsPerRequest = (serverCpuNs() - before) / 1000 / requests;
console.log(`${variant}, keys ${keys}: server ${microsPerRequest.toFixed(1)} µs CPU per request`);
client.close();
// SIGINT: the server exits through process.exit, which writes the profile.
server.process.kill('SIGINT');
await new Promise((resolve) => server.process.once('exit', resolve));
