import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// scripts/demo's set-up: scripts/stale.mjs decides whether to install and build, and
// scripts/quietly.sh turns each step into one line. Both run here on a made-up workspace.
const SCRIPTS = fileURLToPath(new URL('../../../scripts/', import.meta.url));
const run = promisify(execFile);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function outcome(command: string, args: string[], env = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(command, args, { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const stale = (what: string, root: string) =>
  outcome(process.execPath, [join(SCRIPTS, 'stale.mjs'), what, root]);

let root: string;
/** Seconds since the epoch, well in the past, so every time the test sets is unambiguous. */
const BEFORE = Math.floor(Date.now() / 1000) - 3600;

function write(path: string, text = '', time = BEFORE): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  utimesSync(file, time, time);
}

function touch(path: string, time: number): void {
  utimesSync(join(root, path), time, time);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rampart-stale-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const LOCK = `lockfileVersion: '9.0'

importers:

  .:
    devDependencies:
      tsup:
        specifier: 8.5.1

  packages/a:
    dependencies:
      zod:
        specifier: 4.6.7

  packages/empty: {}

packages:

  zod@4.6.7:
    resolution: {integrity: sha512-x}
`;

describe('stale.mjs dependencies', () => {
  beforeEach(() => {
    write('pnpm-lock.yaml', LOCK);
    write('package.json', '{}');
  });

  function install(): void {
    write('node_modules/.modules.yaml', 'layoutVersion: 5\n');
    write('node_modules/.pnpm/lock.yaml', LOCK);
    mkdirSync(join(root, 'packages/a/node_modules'), { recursive: true });
  }

  it('asks for an install on a fresh clone', async () => {
    expect(await stale('dependencies', root)).toEqual({
      code: 1,
      stdout: 'node_modules is missing\n',
      stderr: '',
    });
  });

  it('skips it when node_modules holds the locked dependencies', async () => {
    install();
    expect(await stale('dependencies', root)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('asks for an install when the lockfile changed since the last one', async () => {
    install();
    write('pnpm-lock.yaml', LOCK.replace('4.6.7', '4.6.8'));
    const result = await stale('dependencies', root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('pnpm-lock.yaml changed since the last install\n');
  });

  it("asks for an install when a project's node_modules is gone", async () => {
    install();
    rmSync(join(root, 'packages/a/node_modules'), { recursive: true });
    const result = await stale('dependencies', root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('packages/a/node_modules is missing\n');
  });
});

describe('stale.mjs build', () => {
  const BUILT = BEFORE + 60;
  const EXPORTS = {
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  };

  beforeEach(() => {
    for (const file of ['tsup.package.ts', 'tsconfig.base.json', 'pnpm-lock.yaml']) write(file);
    write(
      'packages/a/package.json',
      JSON.stringify({ scripts: { build: 'tsup' }, exports: EXPORTS }),
    );
    write('packages/a/tsconfig.json', '{}');
    write('packages/a/tsup.config.ts');
    write('packages/a/src/index.ts', 'export {};');
    write('packages/a/src/inner/util.ts', 'export {};');
    touch('packages/a/src/inner', BEFORE);
    touch('packages/a/src', BEFORE);
    // A package without a build script (test helpers run from source) is never built.
    write('packages/helpers/package.json', JSON.stringify({ exports: { '.': './src/index.ts' } }));
  });

  function build(time = BUILT): void {
    for (const file of ['index.js', 'index.d.ts', 'chunk-X.js']) write(`packages/a/dist/${file}`);
    for (const file of readdirSync(join(root, 'packages/a/dist'))) {
      touch(`packages/a/dist/${file}`, time);
    }
  }

  it('asks for a build when dist/ is missing', async () => {
    expect(await stale('build', root)).toEqual({
      code: 1,
      stdout: 'packages/a/dist is missing\n',
      stderr: '',
    });
  });

  it('skips it when every file of dist/ is newer than every input', async () => {
    build();
    expect(await stale('build', root)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it.each([
    ['a source file', 'packages/a/src/inner/util.ts'],
    ['package.json', 'packages/a/package.json'],
    ['tsconfig.json', 'packages/a/tsconfig.json'],
    ['the tsup config', 'packages/a/tsup.config.ts'],
    ['the shared build config', 'tsup.package.ts'],
    ['the lockfile', 'pnpm-lock.yaml'],
  ])('asks for a build when %s changed after it', async (_, path) => {
    build();
    touch(path, BUILT + 1);
    const result = await stale('build', root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${path} is newer than packages/a/dist\n`);
  });

  it('asks for a build when a source file was removed after it', async () => {
    build();
    rmSync(join(root, 'packages/a/src/inner/util.ts'));
    const result = await stale('build', root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('packages/a/src/inner is newer than packages/a/dist\n');
  });

  it('compares with the oldest file of dist/, not the newest', async () => {
    build();
    touch('packages/a/dist/chunk-X.js', BEFORE - 1);
    expect((await stale('build', root)).code).toBe(1);
  });

  it('asks for a build when a file the exports name is missing', async () => {
    build();
    rmSync(join(root, 'packages/a/dist/index.d.ts'));
    const result = await stale('build', root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('packages/a/dist/index.d.ts is missing\n');
  });
});

describe('quietly.sh', () => {
  const quietly = (command: string) =>
    outcome('bash', ['-c', `source "${SCRIPTS}quietly.sh" && quietly "step" ${command}`], {
      TMPDIR: root,
    });

  it('prints one line for a step that succeeds, and keeps no log', async () => {
    const result = await quietly(`bash -c 'echo noise; echo more noise >&2'`);
    expect(result).toEqual({ code: 0, stdout: 'step… ok\n', stderr: '' });
    expect(readdirSync(root)).toEqual([]);
  });

  it("prints a failure's last lines and its log's path, and returns its status", async () => {
    const result = await quietly(`bash -c 'seq 1 30; echo broken >&2; exit 3'`);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('step… failed (exit 3)\n');
    const [log] = readdirSync(root);
    expect(result.stderr).toBe(
      `${[...Array.from({ length: 19 }, (_, i) => `  ${i + 12}`), '  broken'].join('\n')}\nfull log: ${join(root, log as string)}\n`,
    );
  });
});
