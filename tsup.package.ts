import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'tsup';

type ExportTarget = string | { default?: string };

/**
 * The build every package shares: ESM with `.d.ts`, for Node 20, one entry per path of the
 * `exports` map in the package's package.json (`./dist/x.js` is built from `src/x.ts`), so the
 * entries cannot drift from what is published. Run from the package directory, as
 * `pnpm --filter <package> build` does.
 */
export function packageBuild(packageDir: string = process.cwd()): Options {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports: Record<string, ExportTarget>;
  };
  const entry: string[] = [];
  for (const target of Object.values(manifest.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    const built = file === undefined ? null : /^\.\/dist\/([\w-]+)\.js$/.exec(file);
    if (built) entry.push(`src/${built[1]}.ts`);
  }
  if (entry.length === 0) throw new Error(`${packageDir}: no ./dist/*.js entry in exports`);
  return {
    entry,
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
  };
}
