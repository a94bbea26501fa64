import type { SoakReport } from './run-soak.js';
import type { SoakVerdict } from './verdict.js';
import { FLAT_TOLERANCE } from './verdict.js';

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const percent = (change: number) => `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;

/** docs/reliability.md: how the soak runs, what it found, and the plot beside it. */
export function reliabilityMarkdown(
  report: SoakReport,
  verdict: SoakVerdict,
  context: { readonly commit: string; readonly date: string; readonly svgFile: string },
): string {
  const { options, samples, tally } = report;
  const minutes = (options.durationMs / 60_000).toFixed(1);
  const clients = samples.map((sample) => sample.redisClients);
  const rows = Object.entries(tally.byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `| ${kind.replace(/ (\d+)$/, ' | $1')} | ${count} |`);
  return `# Reliability: the soak

\`pnpm --filter @rampart/example-api soak\` runs the example app (${options.framework}, Redis) as a
user starts it, for ${minutes} minutes of mixed traffic over loopback, and stops by itself:
${options.users} legitimate clients who register, log in, read, write signed records, refresh and log
out (a new client arriving each time, so security state keeps being created and must keep
expiring), and ${Math.max(1, Math.floor(options.users / 4))} attackers who guess passwords, replay and tamper with a signed
request, reuse a spent refresh token and forge access tokens. Every simulated client has its own
address (\`X-Forwarded-For\` through the loopback trusted proxy), as real clients would. A probe
preloaded into the app (\`NODE_OPTIONS=--import\`, \`examples/api/src/soak/probe.mjs\`) prints its
heap (after a full collection, so the line shows live data), RSS, event-loop delay and open
handles every ${options.sampleMs / 1000} s; the harness samples Redis (\`INFO\`,
the keys under the app's prefix) at the same pace. A 20-second version runs in CI
(\`examples/api/test/soak.test.ts\`) with the same traffic and the same bar for 5xx and attacks.

The bar: heap and RSS at the end within ${FLAT_TOLERANCE * 100}% of their value after warm-up (the
first fifth of the run), zero 5xx, zero accepted attacks.

## Last run

${context.date}, commit \`${context.commit}\`, ${options.framework} on Redis, this machine (2 cores, the app,
Redis and the clients sharing them).

| measure | value |
| --- | --- |
| verdict | ${verdict.passed ? '**passed**' : '**failed**'} |
| requests | ${tally.requests} |
| 5xx answers | ${tally.serverErrors} |
| accepted attacks | ${tally.acceptedAttacks} |
| heap after warm-up → end | ${mib(verdict.heapAfterWarmup)} → ${mib(verdict.heapAtEnd)} (${percent(verdict.heapChange)}) |
| RSS after warm-up → end | ${mib(verdict.rssAfterWarmup)} → ${mib(verdict.rssAtEnd)} (${percent(verdict.rssChange)}) |
| event-loop delay, worst p99 of a ${options.sampleMs / 1000} s interval after warm-up | ${verdict.loopDelayP99Ms.toFixed(1)} ms |
| Redis connected clients (min–max) | ${Math.min(...clients)}–${Math.max(...clients)} |
| Redis keys under the prefix at the end | ${samples.at(-1)?.redisKeys ?? 0} |

![heap, RSS, event-loop delay and Redis over the soak](${context.svgFile})

### Answers by kind

| request | status | count |
| --- | --- | --- |
${rows.join('\n')}
`;
}
