import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Newest modification time (ms) of the files under `dir`, or undefined when it is missing. */
function newestMtime(dir: string): number | undefined {
  let newest: number | undefined;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const mtime = statSync(join(entry.parentPath, entry.name)).mtimeMs;
    if (newest === undefined || mtime > newest) newest = mtime;
  }
  return newest;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', repoRoot, ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * What was measured: the commit, whether the package's sources had uncommitted changes, and
 * whether its `dist/` (what the bench imports) is older than its sources. Stores change under
 * the bench; a table without this line cannot be tied to a version of the code.
 */
export function describeBuild(packageDir = 'packages/core'): { line: string; stale: boolean } {
  const commit = git(['rev-parse', '--short', 'HEAD']) ?? 'unknown commit';
  const dirty = (git(['status', '--porcelain', '--', `${packageDir}/src`]) ?? '') !== '';
  const built = newestMtime(join(repoRoot, packageDir, 'dist'));
  const edited = newestMtime(join(repoRoot, packageDir, 'src'));
  const stale = built === undefined || (edited !== undefined && edited > built);
  const when =
    built === undefined
      ? 'not built'
      : `built ${new Date(built).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const line = [
    `${packageDir}/dist ${when} from ${commit}${dirty ? ' + uncommitted changes' : ''}`,
    ...(stale ? ['⚠ sources are newer than dist: run `pnpm build`'] : []),
  ].join(' · ');
  return { line, stale };
}
