import { argValue, oneOf, readArgs } from '../cli-args.js';
import { FRAMEWORKS, type Framework, STORE_KINDS, type StoreKind } from '../config.js';
import { ConfigError } from '../config-error.js';
import { type DemoRun, runDemo } from './run-demo.js';
import { formatResults } from './table.js';

const USAGE = `Usage: pnpm demo [--framework fastify|express] [--store memory|redis|postgres] [--all]

Starts the example app on a free port, walks a client through it over real HTTP and prints
what was tried and what the server answered. --all runs every framework × store combination.
Redis and Postgres are taken from REDIS_URL and DATABASE_URL.`;

type Combo = { readonly framework: Framework; readonly store: StoreKind };

/** The combinations to run; exits 2 on a bad option, 0 after `--help`. */
function parseArgs(argv: readonly string[]): Combo[] {
  try {
    const args = readArgs(argv, {
      values: new Set(['--framework', '--store']),
      flags: new Set(['--all', '--help']),
    });
    if (args.has('--help')) {
      console.log(USAGE);
      process.exit(0);
    }
    const framework = oneOf('--framework', FRAMEWORKS, argValue(args, '--framework') ?? 'fastify');
    const store = oneOf('--store', STORE_KINDS, argValue(args, '--store') ?? 'memory');
    if (!args.has('--all')) return [{ framework, store }];
    return FRAMEWORKS.flatMap((f) => STORE_KINDS.map((s) => ({ framework: f, store: s })));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`demo: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
}

function report(run: DemoRun): void {
  console.log(`\n▶ ${run.framework} on ${run.store}`);
  if (run.results.length > 0) console.log(formatResults(run.results));
  if (run.error !== undefined) console.log(`✗ ${run.error}`);
  const passed = run.results.filter((result) => result.ok).length;
  console.log(`${run.ok ? '✓' : '✗'} ${passed}/${run.results.length} steps passed`);
}

const runs: DemoRun[] = [];
for (const combo of parseArgs(process.argv.slice(2))) {
  const run = await runDemo(combo);
  report(run);
  runs.push(run);
}
if (runs.length > 1) {
  console.log('\nSummary');
  for (const run of runs)
    console.log(`  ${run.ok ? '✓' : '✗'} ${run.framework.padEnd(8)} ${run.store}`);
}
process.exitCode = runs.every((run) => run.ok) ? 0 : 1;
