/**
 * Benchmark: HS256 access-token verification with the jti check (Rampart, node:crypto) beside
 * jose's `jwtVerify` with its key held three ways, on the memory store; then on Redis, beside a
 * bare EVALSHA, with INFO commandstats proving one round trip per verification. Writes the
 * `jwt-verify` section of docs/benchmarks.md.
 *
 * Run alone (after `pnpm build`): `pnpm --filter @rampart/bench exec tsx src/jwt-nonce/verify.ts`
 */
import { type BenchRedis, connectRedis } from '../backends/redis.js';
import { runLengths, serverLayout } from '../harness/config.js';
import { BENCHMARKS_DOC, describeMachine, runDate } from '../harness/machine.js';
import { markdownTable, writeSection } from '../harness/markdown.js';
import { chooseBenchCpu, type PinnedGroup, pinSelf, restoreOnExit } from '../harness/pinning.js';
import { rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved, type VariantRun } from '../harness/runner.js';
import { median, pairedRatios, quantile } from '../harness/stats.js';
import { memoryVariants, NAMES, redisVariants } from './variants.js';

const SEQUENTIAL: Mode = { kind: 'sequential' };

/** Median over rounds of (slower µs/op ÷ faster µs/op), with its quartiles: how many times faster. */
function speedup(runs: readonly VariantRun[], slower: string, faster: string): string {
  const usPerOp = (name: string) => {
    const run = runs.find((candidate) => candidate.variant.name === name);
    if (run === undefined) throw new Error(`no variant ${name}`);
    return run.rounds.map((round) => round.wallNs / 1000 / round.ops);
  };
  const ratios = pairedRatios(usPerOp(slower), usPerOp(faster));
  return `**${median(ratios).toFixed(2)}×** (quartiles ${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)})`;
}

async function commandStats(redis: BenchRedis['redis']): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

/** Runs `count` verifications alone and returns the commands Redis served meanwhile. */
async function roundTripsPerVerification(
  redis: BenchRedis['redis'],
  verify: () => Promise<unknown>,
  count: number,
): Promise<string> {
  await verify(); // the script is cached after the first call
  const before = await commandStats(redis);
  for (let i = 0; i < count; i++) await verify();
  const after = await commandStats(redis);
  // Redis 7 also counts the commands a script runs; only the others are round trips.
  const inScript = new Set(['get', 'exists', 'set', 'pttl']);
  const trips: string[] = [];
  const inside: string[] = [];
  let total = 0;
  for (const [name, calls] of after) {
    // `info` itself is counted once, by the second read.
    const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (delta <= 0) continue;
    const perVerification = `${name} ${(delta / count).toFixed(3)}`;
    if (inScript.has(name)) inside.push(perVerification);
    else {
      trips.push(perVerification);
      total += delta;
    }
  }
  return `**${(total / count).toFixed(3)} round trips per verification** over ${count} (${trips.join(', ')}; run inside the script: ${inside.join(', ')})`;
}

async function main(): Promise<void> {
  const lengths = runLengths();
  const benchCpu = chooseBenchCpu();
  const pinning = [pinSelf(benchCpu)];
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  const lines: string[] = [];
  const servers: Record<string, string> = {};
  let redis: BenchRedis | undefined;
  try {
    try {
      redis = await connectRedis();
      servers.Redis = redis.version;
      const layout = serverLayout();
      const group = benchCpu === undefined || layout !== 'same' ? undefined : redis.pin(benchCpu);
      if (group) pinned.push(group);
      pinning.push(group?.description ?? 'redis-server not pinned');
    } catch (error) {
      lines.push(`Skipped: Redis (unreachable: ${error instanceof Error ? error.message : error})`);
    }
    console.log(`Pinning: ${pinning.join('; ')}`);

    const memory = await memoryVariants();
    for (const variant of memory.variants) {
      if ((await variant.op(0)) !== true) throw new Error(`${variant.name} does not verify`);
    }
    const memoryRuns = await runInterleaved(memory.variants, { ...lengths, mode: SEQUENTIAL });
    const memoryTable = rowsToTable(summarizeRuns(memoryRuns));
    console.log(markdownTable(memoryTable.header, memoryTable.body));
    const headline = [
      `- Rampart (memory) vs jose, CryptoKey imported once: ${speedup(memoryRuns, NAMES.joseCryptoKey, NAMES.rampartMemory)} the throughput (target ≥ 3×)`,
      `- Rampart (memory) vs jose, Uint8Array secret: ${speedup(memoryRuns, NAMES.joseBytes, NAMES.rampartMemory)} (target ≥ 10×)`,
      `- Rampart (memory) vs jose, KeyObject secret: ${speedup(memoryRuns, NAMES.joseKeyObject, NAMES.rampartMemory)} (target ≥ 10×)`,
    ];
    console.log(headline.join('\n'));

    const sections = [
      '### Memory store, sequential (1 in flight)',
      '',
      ...headline,
      '',
      markdownTable(memoryTable.header, memoryTable.body),
      '',
    ];
    if (redis) {
      const suite = await redisVariants(redis);
      for (const variant of suite.variants) {
        if ((await variant.op(0)) !== true) throw new Error(`${variant.name} does not verify`);
      }
      const trips = await roundTripsPerVerification(
        redis.redis,
        () => suite.tokens.verifyAccessToken(suite.token),
        10_000,
      );
      console.log(`Redis: ${trips}`);
      const runs = await runInterleaved(suite.variants, { ...lengths, mode: SEQUENTIAL });
      const table = rowsToTable(summarizeRuns(runs));
      console.log(markdownTable(table.header, table.body));
      sections.push(
        '### Redis store, sequential (1 in flight)',
        '',
        `- INFO commandstats: ${trips}`,
        '',
        markdownTable(table.header, table.body),
        '',
      );
      await redis.redis.eval(
        `for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1`,
        0,
        `${suite.prefix}*`,
      );
    }
    writeSection(
      BENCHMARKS_DOC,
      'jwt-verify',
      [
        '## JWT verification (HS256) with the jti check',
        '',
        `Run ${runDate()} · ${describeMachine(servers)}  `,
        `Pinning: ${pinning.join('; ')}  `,
        `Method: ${lengths.rounds} interleaved rounds of ~${lengths.roundMs} ms per variant after ${lengths.warmupMs} ms of warm-up; one HS256 access token verified repeatedly; medians over rounds. Speedups are paired per round.`,
        ...lines,
        '',
        ...sections,
      ].join('\n'),
    );
    console.log(`\nWrote the jwt-verify section of ${BENCHMARKS_DOC}`);
  } finally {
    restore();
    await redis?.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
