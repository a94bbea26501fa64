/**
 * Benchmark: verifying a valid TOTP code with `@rampart/mfa` (replay guard and lock on the
 * memory store) beside otplib's bare `verify`, in one interleaved run; then on Redis, counting
 * with INFO commandstats the round trips of one verification. Writes the `mfa` section of
 * docs/benchmarks.md.
 *
 * Run alone (after `pnpm --filter @rampart/mfa build`):
 * `pnpm --filter @rampart/bench exec tsx src/mfa/verify.ts` (`BENCH_QUICK=1` only checks it runs).
 */
import { randomBytes } from 'node:crypto';
import { createKeyedHasher, createKeyRing, generateKey } from '@rampart/crypto';
import { createMfa } from '@rampart/mfa';
import { RedisMfaStore } from '@rampart/mfa/redis';
import { generateSync } from 'otplib';
import { type BenchRedis, connectRedis } from '../backends/redis.js';
import { describeBuild } from '../harness/build-info.js';
import { runLengths } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, pinSelf } from '../harness/pinning.js';
import { describeMode, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved } from '../harness/runner.js';
import { targetLines } from '../harness/targets.js';
import { BARE, BARE_NODE, mfaVariants, OURS } from './variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };

async function commandStats(redis: BenchRedis['redis']): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

/**
 * Enrols a user on Redis, then submits `count` codes of successive steps (every one accepted)
 * and counts what Redis served meanwhile. Other clients of a shared Redis add to the counts, so
 * the figure is an upper bound.
 */
async function redisRoundTrips(bench: BenchRedis, count: number): Promise<string> {
  const prefix = `rampart-bench:mfa:${randomBytes(6).toString('hex')}:`;
  const keyRing = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] });
  const hasher = createKeyedHasher({ keys: [{ id: 'p1', key: generateKey() }] });
  const store = new RedisMfaStore({ redis: bench.redis, keyPrefix: prefix });
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const mfa = createMfa({ store, keyRing, hasher, issuer: 'Bench', clock });
  const setup = await mfa.setup('bench-user', 'bench@example.com');
  const secret = new URL(setup.otpauthUrl).searchParams.get('secret') as string;
  const codeAt = (ms: number) => generateSync({ secret, epoch: Math.floor(ms / 1000) });
  await mfa.enable('bench-user', codeAt(now));
  try {
    // The first verification after enable finds the sealed secret cached by enable: warm.
    const before = await commandStats(bench.redis);
    for (let i = 0; i < count; i++) {
      now += 30_000;
      await mfa.verify('bench-user', codeAt(now));
    }
    const after = await commandStats(bench.redis);
    const inScript = new Set([
      'hmget',
      'hset',
      'hexists',
      'get',
      'set',
      'srem',
      'scard',
      'pexpire',
    ]);
    let total = 0;
    const trips: string[] = [];
    for (const [name, calls] of after) {
      const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
      if (delta <= 0 || inScript.has(name)) continue;
      trips.push(`${name} ${(delta / count).toFixed(3)}`);
      total += delta;
    }
    return `**${(total / count).toFixed(3)} round trips per verification** over ${count} accepted codes (${trips.join(', ')}; HMGET/HSET run inside the script)`;
  } finally {
    await mfa.purgeUser('bench-user');
  }
}

async function main(): Promise<void> {
  const lengths = runLengths();
  const build = describeBuild('packages/mfa');
  if (build.stale) console.warn(`⚠ ${build.line}`);
  const pinning = pinSelf(chooseBenchCpu());
  console.log(`Pinning: ${pinning}`);
  const { variants } = await mfaVariants();
  for (const variant of variants) {
    await variant.beforeRound?.();
    if ((await variant.op(0)) !== true) throw new Error(`${variant.name}: the code was refused`);
  }
  console.log(`\nVerify a valid code: ${describeMode(SEQUENTIAL)}`);
  const rows = summarizeRuns(await runInterleaved(variants, { ...lengths, mode: SEQUENTIAL }));
  const { header, body } = rowsToTable(rows);
  const table = markdownTable(header, body);
  console.log(table);
  const lines = targetLines(rows, [
    [OURS, BARE, 0.8],
    [OURS, BARE_NODE, 0.8],
  ]);
  console.log(`\n${lines.join('\n')}`);

  const servers: Record<string, string> = {};
  let redisLine = 'Skipped: Redis unreachable.';
  try {
    const bench = await connectRedis();
    servers.Redis = bench.version;
    try {
      redisLine = await redisRoundTrips(bench, 2000);
    } finally {
      await bench.close();
    }
  } catch (error) {
    redisLine = `Skipped: Redis (${error instanceof Error ? error.message : String(error)}).`;
  }
  console.log(`Redis: ${redisLine}`);

  writeSection(
    BENCHMARKS_DOC,
    'mfa',
    [
      '## MFA: verify a valid TOTP code',
      '',
      `Run ${runDate()} · ${describeMachine(servers)}  `,
      `Code: ${build.line}  `,
      `Pinning: ${pinning}  `,
      `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant after ${lengths.warmupMs} ms of warm-up; sequential; every op verifies the 6-digit SHA-1 code of a new 30 s step (codes computed before the run) with one step of tolerance either way; medians over rounds.`,
      '',
      ...lines,
      `- Redis, INFO commandstats: ${redisLine}`,
      '',
      table,
      '',
      "otplib's bare `verify` is what an app calls without this package: it decodes the base32 secret and computes HMAC-SHA1 with otplib's default plugin (noble, pure JavaScript) for the steps of the window until one matches, and accepts the same code again for the rest of its window. Ours checks the code's format, opens the sealed secret (AES-256-GCM, AAD), computes every step of the window with node:crypto's HMAC and compares each in constant time, then has the store check the lock, the secret's identity and the replay guard and advance the last accepted step. The breakdown row is otplib with a node:crypto HMAC plugin and the secret as bytes: the primitive alone at its fastest.",
    ].join('\n'),
  );
  console.log(`\nWrote the mfa section of ${BENCHMARKS_DOC}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
