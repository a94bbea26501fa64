#!/usr/bin/env node
// Packaging checks for every published package: publint --strict, are-the-types-wrong (ESM-only
// profile: we ship no CommonJS build), and a CommonJS `require()` of every entry point, which
// Node >= 20.19 serves from the ESM build. Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const failures = [];

function run(label, command, args, cwd) {
  try {
    execFileSync(command, args, { cwd, stdio: 'pipe', encoding: 'utf8' });
    console.log(`  ✓ ${label}`);
  } catch (error) {
    failures.push(label);
    console.log(`  ✗ ${label}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

// The main entry must load no framework and no database driver: they are optional peers.
const FORBIDDEN_IN_MAIN_ENTRY = ['express', 'fastify', 'fastify-plugin', 'ioredis', 'kysely', 'pg'];

/** Bare specifiers imported by `file` and every relative module it reaches in `dist/`. */
function bareImportsOf(file, seen = new Set()) {
  if (seen.has(file)) return new Set();
  seen.add(file);
  const found = new Set();
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(
    /(?:^|[;\s])(?:import|export)\s*(?:[^'"]*?\sfrom\s*)?['"]([^'"]+)['"]/g,
  )) {
    const specifier = match[1];
    if (specifier.startsWith('.')) {
      for (const nested of bareImportsOf(join(dirname(file), specifier), seen)) found.add(nested);
    } else {
      found.add(specifier);
    }
  }
  return found;
}

for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const packageDir = join(root, 'packages', dir);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  console.log(manifest.name);
  const bin = join(root, 'node_modules', '.bin');
  run('publint --strict', join(bin, 'publint'), ['--strict', '--level', 'suggestion'], packageDir);
  run(
    'attw --profile esm-only',
    join(bin, 'attw'),
    ['--pack', '.', '--profile', 'esm-only'],
    packageDir,
  );

  const mainEntry = join(packageDir, manifest.exports['.'].default);
  const loaded = [...bareImportsOf(mainEntry)].filter((name) =>
    FORBIDDEN_IN_MAIN_ENTRY.some(
      (forbidden) => name === forbidden || name.startsWith(`${forbidden}/`),
    ),
  );
  if (loaded.length === 0) console.log('  ✓ main entry loads no framework or driver');
  else {
    failures.push('main entry imports');
    console.log(`  ✗ main entry imports ${loaded.join(', ')}`);
  }

  // Self-reference by package name resolves through the `exports` map, as a user's require would.
  const entries = Object.keys(manifest.exports).map((key) => manifest.name + key.slice(1));
  const script = entries
    .map(
      (entry) =>
        `{ const m = require(${JSON.stringify(entry)}); if (m == null) throw new Error('empty: ${entry}'); }`,
    )
    .join('\n');
  run(
    `require() of ${entries.length} entry points from CommonJS`,
    process.execPath,
    ['--input-type=commonjs', '-e', script],
    packageDir,
  );
}

if (failures.length > 0) {
  console.error(`\n${failures.length} packaging check(s) failed.`);
  process.exit(1);
}
console.log('\nAll packaging checks passed.');
