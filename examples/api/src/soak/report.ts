import type { SoakReport } from './run-soak.js';
import { attackersFor } from './traffic.js';
import type { SoakVerdict } from './verdict.js';
import { FLAT_TOLERANCE, WARMUP_SHARE } from './verdict.js';

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const percent = (change: number) => `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;

/** The soak's part of docs/reliability.md lies between these lines; the rest is written by hand. */
export const SOAK_BEGIN =
  '<!-- soak:begin: written by `pnpm --filter @rampart/example-api soak` (src/soak/report.ts) -->';
export const SOAK_END = '<!-- soak:end -->';

/** How long the run's rate of audit records takes to fill a window of `records`, rounded. */
function minutesToFill(report: SoakReport, records: number): string {
  const perMinute = report.auditRecords / (report.options.durationMs / 60_000);
  return perMinute === 0 ? '∞' : Math.round(records / perMinute).toString();
}

/** `byKind`'s `<kind> <status> [code]` as a table row. */
function row(key: string, count: number): string {
  const [kind, status, code] = key.split(' ');
  return `| ${kind} | ${status} | ${code ?? ''} | ${count} |`;
}

/** The soak's section of docs/reliability.md: how it runs, what it found, and the plot. */
export function soakSection(
  report: SoakReport,
  verdict: SoakVerdict,
  context: { readonly commit: string; readonly date: string; readonly svgFile: string },
): string {
  const { options, samples, tally } = report;
  const minutes = (options.durationMs / 60_000).toFixed(1);
  const clients = samples.map((sample) => sample.redisClients);
  const rows = Object.entries(tally.byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => row(key, count));
  const rate = tally.requests / (options.durationMs / 1000);
  return `${SOAK_BEGIN}
# Reliability: the soak

\`pnpm --filter @rampart/example-api soak\` runs the example app (${options.framework}, Redis) as a
user starts it, for ${minutes} minutes of mixed traffic over loopback, and stops by itself.
${options.users} legitimate clients, a third each on bearer tokens, API keys and session cookies:

- bearer: register, log in, read, write signed records, write with an \`Idempotency-Key\` and
  retry (the retry must be answered as a replay), read \`/me\`, refresh, log out;
- API key: create a key (with an \`Idempotency-Key\`, retried), call with \`X-API-Key\` (reads,
  \`/me\`, records signed with the key's own signing secret), rotate it every few calls with a
  2-second grace, list and revoke it;
- session: sign in for a cookie, read \`/me\`, list the sessions, read and write signed records
  same-origin, sign out.

Each user then makes way for a new one, so security state (refresh families, nonces, keys,
sessions, idempotency records, rate-limit counters) keeps being created and must keep expiring.
${attackersFor(options.users)} attackers send a cookie cross-site (CSRF) and a stolen cookie from curl, forge access
tokens, tamper with and replay a captured signed request, reuse a spent refresh token and guess
passwords, against new victims every 35 attacks (a replay or a brute force locks the victim's
account, which would otherwise refuse every later attack before the check it aims at). What a
thief of the clients' own credentials would try is tried too: a typo'd API key, a rotated key past
its grace, a revoked key, the cookie of a signed-out session, and an \`Idempotency-Key\` sent again
with another body. Every attack must be refused.

The app keeps its audit trail as an app on Redis does: every record in a JSON-lines file
(\`AUDIT_LOG_FILE\`) and the newest ${options.auditMemoryRecords} in memory for the admin queries
(\`AUDIT_MEMORY_RECORDS\`), a window the traffic fills within warm-up; the default window of
100,000 records fills after about ${minutesToFill(report, 100_000)} minutes at this rate and then stays flat in the
same way.

The clients together aim at ${options.ratePerSecond} requests per second (\`--rate\`), each client one request at a
time: a steady load that a healthy app answers, not a flood that measures its queue (a slow app
lowers the rate instead of growing a backlog that misses the stores' 1-second deadlines). Every
simulated client has its own address (\`X-Forwarded-For\` through the loopback trusted proxy), as
real clients would. A probe preloaded into the app (\`NODE_OPTIONS=--import\`,
\`examples/api/src/soak/probe.mjs\`) prints its heap (after a full collection, so the line shows
live data), RSS, event-loop delay and open handles every ${options.sampleMs / 1000} s and as the traffic ends; the
harness samples Redis (\`INFO\`, the keys under the app's prefix) at the same pace. A 20-second
version runs in CI (\`examples/api/test/soak.test.ts\`) with the same traffic and the same bar
for 5xx and attacks.

The bar: heap and RSS at the end at most ${FLAT_TOLERANCE * 100}% above their value after warm-up (the
first ${WARMUP_SHARE * 100}% of the run; each value the median of three samples, so one spike decides nothing; a
drop is memory given back, not a leak), zero 5xx, zero accepted attacks; and as strict: every
request answered, every idempotent retry replayed.

## Last run

${context.date}, commit \`${context.commit}\`, ${options.framework} on Redis, this machine (2 cores, the app,
Redis and the clients sharing them).

| measure | value |
| --- | --- |
| verdict | ${verdict.passed ? '**passed**' : `**failed**: ${verdict.missed.join('; ')}`} |
| requests | ${tally.requests} (${rate.toFixed(0)}/s) |
| 5xx answers | ${tally.serverErrors} |
| requests without an answer | ${tally.noAnswers} |
| accepted attacks | ${tally.acceptedAttacks} |
| idempotent retries not replayed | ${tally.brokenReplays} |
| legitimate requests refused (4xx) | ${tally.refusedLegitimate} |
| heap after warm-up → end | ${mib(verdict.heapAfterWarmup)} → ${mib(verdict.heapAtEnd)} (${percent(verdict.heapChange)}) |
| RSS after warm-up → end | ${mib(verdict.rssAfterWarmup)} → ${mib(verdict.rssAtEnd)} (${percent(verdict.rssChange)}) |
| event-loop delay, worst p99 of a ${options.sampleMs / 1000} s interval after warm-up | ${verdict.loopDelayP99Ms.toFixed(1)} ms |
| Redis connected clients (min–max) | ${Math.min(...clients)}–${Math.max(...clients)} |
| audit records (JSON lines; the newest ${options.auditMemoryRecords} in memory) | ${report.auditRecords} |
| Redis keys under the prefix at the end | ${samples.at(-1)?.redisKeys ?? 0} |

![heap, RSS, event-loop delay and Redis over the soak](${context.svgFile})

### Answers by kind

| request | status | code | count |
| --- | --- | --- | --- |
${rows.join('\n')}
${SOAK_END}`;
}

/**
 * docs/reliability.md with its soak section replaced by `section`, the hand-written rest kept. A
 * file without the markers is refused rather than overwritten.
 */
export function withSoakSection(document: string, section: string): string {
  const begin = document.indexOf(SOAK_BEGIN);
  const end = document.indexOf(SOAK_END);
  if (begin === -1 || end < begin) {
    throw new Error(
      `docs/reliability.md has no soak section between "${SOAK_BEGIN}" and "${SOAK_END}"`,
    );
  }
  return `${document.slice(0, begin)}${section}${document.slice(end + SOAK_END.length)}`;
}
