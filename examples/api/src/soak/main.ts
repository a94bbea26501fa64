import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { argValue, oneOf, readArgs } from '../cli-args.js';
import { FRAMEWORKS } from '../config.js';
import { soakSvg } from './plot.js';
import { soakSection, withSoakSection } from './report.js';
import { runSoak } from './run-soak.js';
import { judgeSoak } from './verdict.js';

const USAGE = `Usage: pnpm --filter @rampart/example-api soak [--minutes N] [--users N] [--rate N] [--framework fastify|express] [--no-write]

Runs the example app on Redis (REDIS_URL) under mixed traffic and attacks for N minutes
(default 10): --users legitimate clients (default 16) and a quarter as many attackers, together
sending about --rate requests per second (default 100), each client one request at a time.
Samples memory, event-loop delay and Redis every 10 s, and writes
docs/reliability.md with its plot (docs/reliability-soak.svg) unless --no-write.
Exits 1 when the bar is missed (memory not flat, a 5xx or no answer, an accepted attack, an
idempotent retry not replayed).`;

/** The app's in-memory audit window in a soak (`AUDIT_MEMORY_RECORDS`); see report.ts. */
const SOAK_AUDIT_MEMORY_RECORDS = 2000;

const args = readArgs(process.argv.slice(2), {
  values: new Set(['--minutes', '--users', '--rate', '--framework']),
  flags: new Set(['--no-write', '--help']),
});
if (args.has('--help')) {
  console.log(USAGE);
  process.exit(0);
}

function positive(option: string, fallback: number, max: number): number {
  const text = argValue(args, option);
  if (text === undefined) return fallback;
  if (!/^\d{1,4}(\.\d{1,2})?$/.test(text) || Number(text) <= 0 || Number(text) > max) {
    console.error(
      `${option}: expected a number from 0 to ${max}, got ${JSON.stringify(text)}\n\n${USAGE}`,
    );
    process.exit(2);
  }
  return Number(text);
}

const minutes = positive('--minutes', 10, 120);
const docs = fileURLToPath(new URL('../../../../docs/', import.meta.url));
// Checked before the run, not after ten minutes of it.
if (!args.has('--no-write')) withSoakSection(readFileSync(`${docs}reliability.md`, 'utf8'), '');
const report = await runSoak({
  durationMs: minutes * 60_000,
  sampleMs: 10_000,
  users: Math.round(positive('--users', 16, 200)),
  ratePerSecond: positive('--rate', 100, 5000),
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  keyPrefix: 'rampart-soak:',
  framework: oneOf('--framework', FRAMEWORKS, argValue(args, '--framework') ?? 'fastify'),
  // Filled within warm-up at the default rate, so the heap shows leaks, not a bound being reached.
  auditMemoryRecords: SOAK_AUDIT_MEMORY_RECORDS,
});
const verdict = judgeSoak(report);
console.log(JSON.stringify({ verdict, tally: report.tally }, null, 2));

if (!args.has('--no-write')) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const caption = `${report.options.framework} on Redis, ${minutes} min, ${report.tally.requests} requests, commit ${commit}`;
  const section = soakSection(report, verdict, {
    commit,
    date: `${date} UTC`,
    svgFile: 'reliability-soak.svg',
  });
  // Both files or neither: the document is checked for its soak section before the plot is written.
  const document = withSoakSection(readFileSync(`${docs}reliability.md`, 'utf8'), section);
  writeFileSync(`${docs}reliability-soak.svg`, soakSvg(report.samples, caption));
  writeFileSync(`${docs}reliability.md`, document);
  console.log('wrote docs/reliability.md and docs/reliability-soak.svg');
}
process.exitCode = verdict.passed ? 0 : 1;
