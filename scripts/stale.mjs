#!/usr/bin/env node
// `node scripts/stale.mjs dependencies|build [root]`: whether scripts/demo must install or build.
// Exits 0 and prints nothing when the step can be skipped; exits 1 and prints why when it must
// run (anything else, a crash included, is taken as "run it" by scripts/demo). Plain Node with no
// dependencies, because it runs before anything is installed. Reads only file times and two
// small files: a few milliseconds.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const [what, rootArg] = process.argv.slice(2);
const root = rootArg ?? fileURLToPath(new URL('..', import.meta.url));

/** Why `pnpm install --frozen-lockfile` must run, or undefined when node_modules is as locked. */
function dependenciesStale() {
  if (!existsSync(join(root, 'node_modules/.modules.yaml'))) return 'node_modules is missing';
  // pnpm keeps a copy of the lockfile it installed; a pull or a dependency change alters ours.
  const installed = join(root, 'node_modules/.pnpm/lock.yaml');
  const locked = readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
  if (!existsSync(installed) || readFileSync(installed, 'utf8') !== locked) {
    return 'pnpm-lock.yaml changed since the last install';
  }
  // Every workspace project with dependencies (an importer with a body) has its node_modules.
  const importers = /^importers:\n((?: {2}.*\n|\n)*)/m.exec(locked)?.[1] ?? '';
  for (const [, dir] of importers.matchAll(/^ {2}(\S[^:]*):\n/gm)) {
    if (!existsSync(join(root, dir, 'node_modules'))) return `${dir}/node_modules is missing`;
  }
  return undefined;
}

/** Every file and directory under `dir` (a directory's time changes when an entry is removed). */
function* walk(dir) {
  yield dir;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** The newest of `paths` that exist, as [path, mtimeMs]. */
function newest(paths) {
  let found = ['', -Infinity];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const time = statSync(path).mtimeMs;
    if (time > found[1]) found = [path, time];
  }
  return found;
}

/** The files of `exports` under ./dist: what a build must have produced. */
function exportedFiles(exportsMap) {
  const files = [];
  const collect = (target) => {
    if (typeof target === 'string') {
      if (target.startsWith('./dist/')) files.push(target);
    } else if (target !== null && typeof target === 'object') {
      for (const value of Object.values(target)) collect(value);
    }
  };
  collect(exportsMap ?? {});
  return files;
}

/**
 * Why `pnpm build` must run, or undefined when, for every package with a build script, each
 * file its exports name exists and the oldest file of dist/ is newer than every input: its
 * sources, its package.json, tsconfig.json and tsup config, the shared build config and the
 * lockfile (a new tsup or TypeScript builds differently).
 */
function buildStale() {
  const shared = ['tsup.package.ts', 'tsconfig.base.json', 'pnpm-lock.yaml'].map((file) =>
    join(root, file),
  );
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    const manifestPath = join(dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.scripts?.build === undefined) continue;
    const dist = join(dir, 'dist');
    const label = relative(root, dist);
    if (!existsSync(dist)) return `${label} is missing`;
    for (const file of exportedFiles(manifest.exports)) {
      if (!existsSync(join(dir, file))) return `${relative(root, join(dir, file))} is missing`;
    }
    let oldestOutput = Infinity;
    for (const path of walk(dist)) {
      if (statSync(path).isFile()) oldestOutput = Math.min(oldestOutput, statSync(path).mtimeMs);
    }
    const inputs = [
      ...walk(join(dir, 'src')),
      manifestPath,
      join(dir, 'tsconfig.json'),
      join(dir, 'tsup.config.ts'),
      ...shared,
    ];
    const [path, time] = newest(inputs);
    // Equal times (coarse file-system clocks) count as changed: a spare build beats a stale one.
    if (time >= oldestOutput) return `${relative(root, path)} is newer than ${label}`;
  }
  return undefined;
}

const checks = { dependencies: dependenciesStale, build: buildStale };
if (!Object.hasOwn(checks, what ?? '')) {
  console.error('usage: node scripts/stale.mjs dependencies|build [root]');
  process.exit(2);
}
const reason = checks[what]();
if (reason !== undefined) {
  console.log(reason);
  process.exit(1);
}
