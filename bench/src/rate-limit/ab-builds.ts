/**
 * An A/B of several builds of the repository in one interleaved run, for the rate-limit rows of
 * docs/benchmarks.md (and the request-signing one): each build is a checkout with its packages
 * built (a `git worktree` of an older commit, or this one), and its own bench's variant modules
 * are loaded from it, so each resolves `@rampart/*` to that checkout's `dist`. The variants of
 * every build then run in the same rounds, which makes the per-round ratio between two builds
 * immune to what the rest of a busy machine does to both.
 *
 *   AB_BUILDS='wave1=/tmp/rl-base,now=/work/main' AB_SUITES=memory,express,fastify,signing \
 *     pnpm --filter @rampart/bench exec tsx src/rate-limit/ab-builds.ts
 *
 * The first build is the reference: every row of a later build shows its time per op against
 * the same row of the first, paired by round. Nothing is written to docs/benchmarks.md.
 *
 * The order is not neutral: two builds with the same memory hot path came out 4-5 % apart on
 * the memory rows, the later one faster, whichever it was (load 5-6). Run both orders
 * (`a=…,b=…` and `b=…,a=…`) and take the geometric mean of the two ratios.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runLengths } from '../harness/config.js';
import { markdownTable } from '../harness/markdown.js';
import { type PinnedGroup, pinSelf, restoreOnExit } from '../harness/pinning.js';
import { type ResultRow, rowsToTable, summarizeRuns } from '../harness/report.js';
import { type Mode, runInterleaved, type Variant } from '../harness/runner.js';

interface Build {
  label: string;
  root: string;
}

type RateLimitVariants = typeof import('./variants.js');
type HttpVariants = typeof import('./http-variants.js');
type SigningVariants = typeof import('../request-signing/variants.js');

const builds: Build[] = (process.env.AB_BUILDS ?? `now=${join(import.meta.dirname, '../../..')}`)
  .split(',')
  .map((pair) => {
    const [label, root] = pair.split('=');
    if (!label || !root) throw new Error(`AB_BUILDS: ${pair} is not label=/path/to/checkout`);
    return { label, root };
  });
const suites = (process.env.AB_SUITES ?? 'memory,express,fastify,signing').split(',');
const SEQUENTIAL: Mode = { kind: 'sequential' };
const HTTP_ROUND_FACTOR = 6;

function load<Module>(build: Build, file: string): Promise<Module> {
  return import(join(build.root, 'bench/src', file)) as Promise<Module>;
}

/** `variant` of `build`, renamed and compared with the same variant of the first build. */
function labelled(build: Build, variant: Variant, name = variant.name): Variant {
  const first = builds[0] as Build;
  return {
    ...variant,
    name: `${build.label}: ${name}`,
    baseline: build === first ? undefined : `${first.label}: ${name}`,
  };
}

function rowOf(rows: readonly ResultRow[], build: Build, name: string): ResultRow {
  const row = rows.find((r) => r.name === `${build.label}: ${name}`);
  if (row === undefined) throw new Error(`no row ${build.label}: ${name}`);
  return row;
}

async function run(
  title: string,
  variants: Variant[],
  mode: Mode,
  factor = 1,
  serverCpuNs?: () => number,
) {
  const lengths = runLengths();
  for (const variant of variants) {
    await variant.beforeRound?.();
    if (!(await variant.op(1e12)))
      throw new Error(`${variant.name}: a check that must pass did not`);
  }
  const rows = summarizeRuns(
    await runInterleaved(variants, {
      ...lengths,
      roundMs: lengths.roundMs * factor,
      warmupMs: lengths.warmupMs * factor,
      mode,
      serverCpuNs,
    }),
  );
  const { header, body } = rowsToTable(rows);
  console.log(`\n### ${title}\n\n${markdownTable(header, body)}\n`);
  return rows;
}

async function memory(): Promise<void> {
  const modules = await Promise.all(
    builds.map((b) => load<RateLimitVariants>(b, 'rate-limit/variants.ts')),
  );
  const variants = builds.flatMap((build, i) => {
    const module = modules[i] as RateLimitVariants;
    const all = module.memoryVariants();
    const mine = all.filter((v) => v.name === module.MEMORY_OURS || v.name === module.MEMORY_STORE);
    // The peers once, from the first build's bench: they are the same packages in every build.
    const peers = i === 0 ? all.filter((v) => !mine.includes(v)) : [];
    return [
      ...peers.map((v) => ({ ...v, baseline: undefined })),
      ...mine.map((v) => labelled(build, v)),
    ];
  });
  const rows = await run('Memory, in process, sequential', variants, SEQUENTIAL);
  const first = modules[0] as RateLimitVariants;
  const peer = (name: string) => rows.find((r) => r.name === name)?.opsPerSec ?? Number.NaN;
  for (const build of builds) {
    const ours = rowOf(rows, build, first.MEMORY_OURS).opsPerSec;
    const store = rowOf(rows, build, first.MEMORY_STORE).opsPerSec;
    console.log(
      `${build.label}: limiter ${(ours / peer(first.MEMORY_FLEXIBLE)).toFixed(2)}× RateLimiterMemory, ${(ours / peer(first.MEMORY_ERL)).toFixed(2)}× ERL MemoryStore; store ${(store / peer(first.MEMORY_ERL)).toFixed(2)}× ERL, ${(store / peer(first.MEMORY_FLEXIBLE)).toFixed(2)}× RateLimiterMemory`,
    );
  }
}

async function http(framework: 'express' | 'fastify', pinned: PinnedGroup[]): Promise<void> {
  const serverCpu = cpus().length > 1 ? cpus().length - 1 : undefined;
  const modules = await Promise.all(
    builds.map((b) => load<HttpVariants>(b, 'rate-limit/http-variants.ts')),
  );
  const first = modules[0] as HttpVariants;
  const bare = await first.startServer(`${framework}-bare`, serverCpu);
  const peer = await first.startServer(`${framework}-peer`, serverCpu);
  const ours = await Promise.all(modules.map((m) => m.startServer(`${framework}-ours`, serverCpu)));
  const servers = [bare, peer, ...ours];
  for (const server of servers) if (server.pinned) pinned.push(server.pinned);
  const labels = {
    [`${framework}-bare`]: { name: 'bare' },
    [`${framework}-peer`]: { name: 'peer', baseline: 'bare' },
  };
  try {
    const variants = [
      ...first.httpVariants([bare, peer], labels),
      ...builds.map((build, i) => {
        const [variant] = (modules[i] as HttpVariants).httpVariants([ours[i] as never], {
          [`${framework}-ours`]: { name: 'ours' },
        });
        return labelled(build, variant as Variant);
      }),
    ];
    const cpuOf = first.serversCpuNs(servers);
    const rows = await run(
      `HTTP, ${framework}`,
      variants,
      { kind: 'concurrent', inFlight: first.HTTP_IN_FLIGHT },
      HTTP_ROUND_FACTOR,
      cpuOf,
    );
    const cpu = (row: ResultRow | undefined) => row?.serverCpuUsPerOp ?? Number.NaN;
    const bareRow = rows.find((r) => r.name === 'bare');
    const peerRow = rows.find((r) => r.name === 'peer');
    for (const build of builds) {
      const row = rowOf(rows, build, 'ours');
      const added = cpu(row) - cpu(bareRow);
      console.log(
        `${build.label}: ${framework} ours ${((100 * row.opsPerSec) / (bareRow?.opsPerSec ?? Number.NaN)).toFixed(1)}% of bare req/s (medians); server CPU added ${added.toFixed(2)} µs, ${(added / (cpu(peerRow) - cpu(bareRow))).toFixed(2)}× the peer's`,
      );
    }
  } finally {
    first.stopServers(servers);
  }
}

async function signing(): Promise<void> {
  const modules = await Promise.all(
    builds.map((b) => load<SigningVariants>(b, 'request-signing/variants.ts')),
  );
  const first = modules[0] as SigningVariants;
  const variants: Variant[] = [];
  for (const [i, build] of builds.entries()) {
    const module = modules[i] as SigningVariants;
    const all = await module.requestSigningVariants();
    if (i === 0) variants.push(...all.filter((v) => v.name === module.BARE));
    variants.push(...all.filter((v) => v.name === module.OURS_V1).map((v) => labelled(build, v)));
  }
  const rows = await run('Request signing, verify, sequential', variants, SEQUENTIAL);
  const bare = rows.find((r) => r.name === first.BARE)?.opsPerSec ?? Number.NaN;
  for (const build of builds) {
    const ours = rowOf(rows, build, first.OURS_V1).opsPerSec;
    console.log(
      `${build.label}: rampart-v1 verify ${((100 * ours) / bare).toFixed(0)}% of bare HMAC`,
    );
  }
}

async function main(): Promise<void> {
  const cores = cpus().length;
  // As run.ts: the bench (and its load clients) on cpu 0, the HTTP servers on the last core;
  // in-process suites then run on cpu 0 too.
  console.log(
    `Pinning: ${pinSelf(cores > 1 ? 0 : undefined)}; builds ${builds.map((b) => `${b.label}=${b.root}`).join(', ')}`,
  );
  const pinned: PinnedGroup[] = [];
  const restore = restoreOnExit(() => pinned);
  try {
    if (suites.includes('memory')) await memory();
    if (suites.includes('signing')) await signing();
    if (suites.includes('fastify')) await http('fastify', pinned);
    if (suites.includes('express')) await http('express', pinned);
  } finally {
    restore();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
