#!/usr/bin/env node
// Every package README's quick starts ("## Quick start…" sections) are what a new user pastes
// first: each must be at most 20 lines and must typecheck as it stands, against the sources
// (the root tsconfig's paths), as its own module. Written to examples/api/.quick-starts/ (ignored;
// the example app has express, fastify, ioredis and kysely installed, as a user's app would) and
// checked with one tsc run; an error is reported at its README line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'examples/api/.quick-starts');
const MAX_LINES = 20;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const snippets = [];
const problems = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const readme = join(root, 'packages', pkg, 'README.md');
  let text;
  try {
    text = readFileSync(readme, 'utf8');
  } catch {
    continue;
  }
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (!/^## Quick start/.test(lines[index])) continue;
    const heading = lines[index].slice(3);
    let open = index + 1;
    while (open < lines.length && !/^## /.test(lines[open]) && lines[open] !== '```ts') open++;
    if (lines[open] !== '```ts') continue;
    let close = open + 1;
    while (close < lines.length && lines[close] !== '```') close++;
    const body = lines.slice(open + 1, close);
    const where = `packages/${pkg}/README.md:${open + 2}`;
    if (body.length > MAX_LINES) {
      problems.push(`${where} "${heading}" is ${body.length} lines (at most ${MAX_LINES})`);
    }
    const file = `${pkg}-${snippets.length}.ts`;
    // `export {}` makes it a module (top-level await, no global clashes) without moving its lines.
    writeFileSync(join(outDir, file), `${body.join('\n')}\nexport {};\n`);
    snippets.push({ file, where, firstLine: open + 2 });
  }
}

writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify({
    extends: '../../../tsconfig.json',
    compilerOptions: { rootDir: '../../..', noEmit: true, noUnusedLocals: false },
    include: ['./*.ts'],
  }),
);
try {
  execFileSync(
    join(root, 'node_modules/.bin/tsc'),
    ['-p', join(outDir, 'tsconfig.json'), '--pretty', 'false'],
    {
      encoding: 'utf8',
      stdio: 'pipe',
    },
  );
} catch (error) {
  for (const line of String(error.stdout).split('\n')) {
    const match = /\.quick-starts\/([\w-]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line.trim());
    if (match === null) continue;
    const snippet = snippets.find((candidate) => candidate.file === match[1]);
    const readmeLine = snippet ? snippet.firstLine + Number(match[2]) - 1 : '?';
    problems.push(`${snippet?.where.replace(/:\d+$/, '') ?? match[1]}:${readmeLine}: ${match[4]}`);
  }
  if (problems.length === 0) problems.push(String(error.stdout || error.message));
}

console.log(`quick starts: ${snippets.length} checked`);
for (const problem of problems) console.log(`  ✗ ${problem}`);
process.exitCode = problems.length === 0 ? 0 : 1;
