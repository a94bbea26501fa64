/**
 * `pnpm bench`: runs every benchmark, each in a fresh Node process (a clean heap and JIT state,
 * and `--expose-gc` only where a benchmark needs it), one after the other so they never compete
 * for the cores. Each rewrites its own section of docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

const BENCHMARKS: ReadonlyArray<{ file: string; nodeFlags: string[] }> = [
  { file: 'src/nonce-claim.ts', nodeFlags: [] },
  { file: 'src/memory-footprint.ts', nodeFlags: ['--expose-gc'] },
  { file: 'src/rate-limit/run.ts', nodeFlags: [] },
  { file: 'src/jwt-nonce/verify.ts', nodeFlags: [] },
  { file: 'src/passwords/event-loop.ts', nodeFlags: [] },
  { file: 'src/passwords/login-flood.ts', nodeFlags: [] },
  { file: 'src/request-signing/verify.ts', nodeFlags: [] },
  { file: 'src/crypto/seal-open.ts', nodeFlags: [] },
  { file: 'src/access-control/check.ts', nodeFlags: [] },
  { file: 'src/headers/run.ts', nodeFlags: [] },
  { file: 'src/mfa/verify.ts', nodeFlags: [] },
  { file: 'src/api-keys/verify.ts', nodeFlags: [] },
  { file: 'src/idempotency/run.ts', nodeFlags: [] },
  { file: 'src/audit/trail.ts', nodeFlags: [] },
  { file: 'src/sessions/run.ts', nodeFlags: [] },
];

// The benchmarks measure the built package, what users install; a missing dist/ is the usual
// cause of "Cannot find module" here.
for (const pkg of [
  'core',
  'rate-limit',
  'jwt-nonce',
  'passwords',
  'request-signing',
  'crypto',
  'mfa',
  'headers',
  'api-keys',
  'access-control',
  'idempotency',
  'audit',
  'sessions',
]) {
  if (!existsSync(fileURLToPath(new URL(`../../packages/${pkg}/dist/index.js`, import.meta.url)))) {
    console.error(`packages/${pkg}/dist is missing: run \`pnpm build\` first.`);
    process.exit(1);
  }
}

let failed = 0;
for (const { file, nodeFlags } of BENCHMARKS) {
  console.log(`\n▶ ${file}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', file], {
    cwd: benchDir,
    stdio: 'inherit',
  });
  console.log(
    `◀ ${file}: ${result.status === 0 ? 'done' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (result.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
